package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/safehub/safehub/internal/audit"
	"github.com/safehub/safehub/internal/hub"
)

// AuditOptions configure the audit log.
type AuditOptions struct {
	// SignerKey is the note signer key (from audit.GenerateKey) that signs the
	// head and the checkpoints. Keep it outside the database.
	SignerKey string
	// CheckpointEvery and CheckpointInterval set the checkpoint cadence: a
	// checkpoint is signed once this many entries or this much time has
	// passed since the last (defaults 1000 and 60 s).
	CheckpointEvery    int64
	CheckpointInterval time.Duration
	// Publish, if set, is called after commit with each signed checkpoint,
	// to record it outside the database (an append-only file, a witness).
	Publish func(signed []byte)
}

type auditor struct {
	opts     AuditOptions
	frontier frontierCache
	signer   note.Signer
	// origin names the log in checkpoints: the signing key's name, as C2SP
	// tlog-checkpoint has it.
	origin string
}

func newAuditor(o AuditOptions) (*auditor, error) {
	if o.CheckpointEvery <= 0 {
		o.CheckpointEvery = 1000
	}
	if o.CheckpointInterval <= 0 {
		o.CheckpointInterval = time.Minute
	}
	a := &auditor{opts: o}
	if o.SignerKey != "" {
		s, err := audit.NewSigner(o.SignerKey)
		if err != nil {
			return nil, fmt.Errorf("audit signer key: %w", err)
		}
		a.signer = s
		// Checkpoints name the log by the signing key's name (C2SP
		// tlog-checkpoint: the origin is the key name).
		a.origin = s.Name()
	}
	return a, nil
}

func (a *auditor) load(ctx context.Context, db *DB) error { return nil }

// ErrNoAuditKey is returned when an audit event is appended to a store
// opened without a signer key.
var ErrNoAuditKey = errors.New("audit log has no signer key: configure --audit-key-file")

// AppendAudit appends e to the audit log as part of the transaction: the
// entry, its hashes in the tree and a newly signed head are written when the
// transaction commits (all of a transaction's events in one batch), so that
// they stand or fall with the change or read they record. It sets e.Index
// then. If the audit write fails, the whole transaction fails with a
// hub.EUnavailable error: a read that cannot be audited is refused.
func (tx *Tx) AppendAudit(e *hub.AuditEvent) error {
	if tx.db.audit.signer == nil {
		return &wrapped{errAuditUnavailable, ErrNoAuditKey}
	}
	if e.Time.IsZero() {
		e.Time = tx.now
	}
	e.Time = e.Time.UTC().Truncate(time.Microsecond)
	tx.pending = append(tx.pending, e)
	tx.events++
	return nil
}

var errAuditUnavailable = hub.Errorf(hub.EUnavailable, "the audit log cannot be written just now, so nothing was done; try again shortly")

// auditRowsPerInsert bounds the rows of one multi-row INSERT, keeping the
// number of parameters well inside both engines' limits.
const auditRowsPerInsert = 200

// auditRows are the rows a transaction's pending events add: the events
// (evCols values each) and the tree's new stored hashes.
type auditRows struct {
	events []any
	hashes []hashRow
}

type hashRow struct {
	id int64
	h  tlog.Hash
}

const evCols = 16

const insertEvents = `INSERT INTO audit_events (idx, at, actor_id, actor_name, agency_id, role, action, object_type, object_id, subject_id, purpose, outcome, request_id, client, detail, salt) VALUES `

// preparePending locks the head and computes each pending event's tree
// hashes (reading older hashes from the table, newer ones from memory),
// numbering the events. It returns the new log size, a hash reader that
// sees the new hashes, and the rows to insert.
func (tx *Tx) preparePending() (auditHead, *overlayReader, *auditRows, error) {
	head, err := tx.lockHead()
	if err != nil {
		return head, nil, nil, fmt.Errorf("audit head: %w", err)
	}
	n := head.size
	r := &overlayReader{base: tx.hashReader(), added: map[int64]tlog.Hash{}, known: tx.db.audit.frontierFor(n)}
	rows := &auditRows{events: make([]any, 0, len(tx.pending)*evCols)}
	for _, e := range tx.pending {
		salt := audit.NewSalt()
		hs, err := tlog.StoredHashes(n, audit.Encode(e, salt), r)
		if err != nil {
			return head, nil, nil, fmt.Errorf("audit hashes: %w", err)
		}
		base := tlog.StoredHashIndex(0, n)
		for i, h := range hs {
			r.added[base+int64(i)] = h
			rows.hashes = append(rows.hashes, hashRow{base + int64(i), h})
		}
		e.Index = n
		rows.events = append(rows.events, n, micros(e.Time), e.ActorID, e.ActorName, e.AgencyID, e.Role, e.Action, e.ObjectType, e.ObjectID, e.SubjectID, e.Purpose, e.Outcome, e.RequestID, e.Client, e.Detail, salt)
		n++
	}
	tx.pending = nil
	head.size = n
	return head, r, rows, nil
}

// small reports whether the rows fit one multi-row INSERT each.
func (rows *auditRows) small() bool {
	return len(rows.events) <= evCols*auditRowsPerInsert && len(rows.hashes) <= 2*auditRowsPerInsert
}

// hashArgs are the insert arguments of hash rows.
func hashArgs(hs []hashRow) []any {
	args := make([]any, 0, 2*len(hs))
	for _, h := range hs {
		args = append(args, h.id, h.h[:])
	}
	return args
}

// insertAuditRows writes the rows in multi-row statements.
func (tx *Tx) insertAuditRows(rows *auditRows) error {
	for i := 0; i < len(rows.events); i += evCols * auditRowsPerInsert {
		chunk := rows.events[i:min(len(rows.events), i+evCols*auditRowsPerInsert)]
		if _, err := tx.exec(insertEvents+valuesList(len(chunk)/evCols, evCols), chunk...); err != nil {
			return fmt.Errorf("insert audit events: %w", err)
		}
	}
	for i := 0; i < len(rows.hashes); i += auditRowsPerInsert * 2 {
		chunk := rows.hashes[i:min(len(rows.hashes), i+auditRowsPerInsert*2)]
		if _, err := tx.exec(`INSERT INTO audit_hashes (id, hash) VALUES `+valuesList(len(chunk), 2), hashArgs(chunk)...); err != nil {
			return fmt.Errorf("insert audit hashes: %w", err)
		}
	}
	return nil
}

// valuesList renders "(?, ?), (?, ?)" for rows × cols placeholders.
func valuesList(rows, cols int) string {
	one := "(?" + strings.Repeat(", ?", cols-1) + ")"
	var b strings.Builder
	b.Grow(rows * (len(one) + 2))
	for i := 0; i < rows; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(one)
	}
	return b.String()
}

// overlayReader reads tree hashes from memory when this transaction made
// them and from the table otherwise.
type overlayReader struct {
	base  tlog.HashReader
	added map[int64]tlog.Hash
	// known are hashes already known to be stored: the frontier cache.
	known map[int64]tlog.Hash
}

func (o *overlayReader) lookup(x int64) (tlog.Hash, bool) {
	if h, ok := o.added[x]; ok {
		return h, true
	}
	h, ok := o.known[x]
	return h, ok
}

func (o *overlayReader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	var missing []int64
	for _, x := range indexes {
		if _, ok := o.lookup(x); !ok {
			missing = append(missing, x)
		}
	}
	var got []tlog.Hash
	if len(missing) > 0 {
		var err error
		if got, err = o.base.ReadHashes(missing); err != nil {
			return nil, err
		}
	}
	j := 0
	for i, x := range indexes {
		if h, ok := o.lookup(x); ok {
			out[i] = h
			continue
		}
		out[i] = got[j]
		j++
	}
	return out, nil
}

// frontier returns the stored-hash indexes of the complete subtrees that
// make up a tree of size n (one per set bit of n): the only hashes that
// appending to the tree, or computing its root, reads.
func frontier(n int64) []int64 {
	var out []int64
	for l := 0; l < 63 && n>>l > 0; l++ {
		if n>>l&1 == 1 {
			out = append(out, tlog.StoredHashIndex(l, n>>l-1))
		}
	}
	return out
}

// frontierCache keeps the frontier hashes of the log as this process last
// committed it, so appends and roots need no reads of audit_hashes. It is
// used only while the log's size is the one it was made for: another
// process appending (PostgreSQL with several servers) makes it stale, and
// the hashes are then read from the table.
type frontierCache struct {
	mu     sync.Mutex
	size   int64
	hashes map[int64]tlog.Hash
}

func (a *auditor) frontierFor(n int64) map[int64]tlog.Hash {
	c := &a.frontier
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.size != n || c.hashes == nil {
		return nil
	}
	return c.hashes
}

// remember records the frontier of a tree of size n, read through r (which
// holds them, in memory or in the table), once the transaction commits.
func (a *auditor) remember(tx *Tx, n int64, r tlog.HashReader) {
	idx := frontier(n)
	hs, err := r.ReadHashes(idx)
	if err != nil {
		return
	}
	m := make(map[int64]tlog.Hash, len(idx))
	for i, x := range idx {
		m[x] = hs[i]
	}
	tx.AfterCommit(func() {
		c := &a.frontier
		c.mu.Lock()
		defer c.mu.Unlock()
		if n >= c.size {
			c.size, c.hashes = n, m
		}
	})
}

// lockAuditHead returns the current log size, holding the head row for the
// rest of the transaction so appends are serialised.
//
// PostgreSQL: SELECT … FOR UPDATE locks the row until commit.
// SQLite:     the transaction already holds the database write lock
//
//	(BEGIN IMMEDIATE), and has no FOR UPDATE.
func (tx *Tx) lockAuditHead() (int64, error) {
	h, err := tx.lockHead()
	return h.size, err
}

type auditHead struct {
	size, checkpointSize, checkpointAt int64
}

func (tx *Tx) lockHead() (auditHead, error) {
	q := `SELECT size, checkpoint_size, checkpoint_at FROM audit_head WHERE id = 1`
	if tx.db.engine == Postgres {
		q += ` FOR UPDATE`
	}
	var h auditHead
	if err := tx.queryRow(q).Scan(&h.size, &h.checkpointSize, &h.checkpointAt); err != nil {
		return h, tx.db.translate(err)
	}
	return h, nil
}

// finish writes the pending events and signs the new head and, when due, a
// checkpoint. It runs once per transaction that appended events, just
// before commit.
func (a *auditor) finish(tx *Tx) error {
	head, reader, rows, err := tx.preparePending()
	if err != nil {
		return err
	}
	size := head.size
	root, err := tlog.TreeHash(size, reader)
	if err != nil {
		return fmt.Errorf("audit tree hash: %w", err)
	}
	a.remember(tx, size, reader)
	cp := audit.Checkpoint{Origin: a.origin, Size: size, Root: root}
	signed, err := audit.SignCheckpoint(cp, a.signer)
	if err != nil {
		return fmt.Errorf("sign audit head: %w", err)
	}
	cpSize, cpAt := head.checkpointSize, head.checkpointAt
	due := size-cpSize >= a.opts.CheckpointEvery || tx.now.Sub(fromMicros(cpAt)) >= a.opts.CheckpointInterval
	if due {
		cpSize, cpAt = size, micros(tx.now)
		if a.opts.Publish != nil {
			pub := a.opts.Publish
			tx.AfterCommit(func() { pub(signed) })
		}
	}
	const updateHead = `UPDATE audit_head SET size = ?, signed = ?, checkpoint_size = ?, checkpoint_at = ? WHERE id = 1`
	headArgs := []any{size, string(signed), cpSize, cpAt}
	if tx.db.engine == Postgres && rows.small() {
		// One round trip to the server for the whole append: the inserts
		// as data-modifying CTEs (each runs to completion, whatever the
		// statement reads of them), then the head.
		var q strings.Builder
		var args []any
		q.WriteString(`WITH e AS (` + insertEvents + valuesList(len(rows.events)/evCols, evCols) + `)`)
		args = append(args, rows.events...)
		if len(rows.hashes) > 0 {
			q.WriteString(`, h AS (INSERT INTO audit_hashes (id, hash) VALUES ` + valuesList(len(rows.hashes), 2) + `)`)
			args = append(args, hashArgs(rows.hashes)...)
		}
		if due {
			q.WriteString(`, c AS (INSERT INTO audit_checkpoints (size, at, signed) VALUES (?, ?, ?))`)
			args = append(args, size, micros(tx.now), string(signed))
		}
		q.WriteString(` ` + updateHead)
		if _, err := tx.exec(q.String(), append(args, headArgs...)...); err != nil {
			return fmt.Errorf("append to the audit log: %w", err)
		}
		return nil
	}
	if err := tx.insertAuditRows(rows); err != nil {
		return err
	}
	if due {
		if _, err := tx.exec(`INSERT INTO audit_checkpoints (size, at, signed) VALUES (?, ?, ?)`, size, micros(tx.now), string(signed)); err != nil {
			return fmt.Errorf("insert audit checkpoint: %w", err)
		}
	}
	_, err = tx.exec(updateHead, headArgs...)
	return err
}

// Checkpoint signs and stores a checkpoint of the log as it stands now,
// whatever the cadence, and publishes it. `safehub audit checkpoint` and
// tests use it.
func (db *DB) Checkpoint(ctx context.Context) ([]byte, error) {
	a := db.audit
	if a.signer == nil {
		return nil, ErrNoAuditKey
	}
	var signed []byte
	err := db.Tx(ctx, func(tx *Tx) error {
		n, err := tx.lockAuditHead()
		if err != nil {
			return err
		}
		root, err := tlog.TreeHash(n, tx.hashReader())
		if err != nil {
			return fmt.Errorf("audit tree hash: %w", err)
		}
		signed, err = audit.SignCheckpoint(audit.Checkpoint{Origin: a.origin, Size: n, Root: root}, a.signer)
		if err != nil {
			return err
		}
		// Both engines: replace a checkpoint of the same size (no new entries).
		if _, err := tx.exec(`INSERT INTO audit_checkpoints (size, at, signed) VALUES (?, ?, ?) ON CONFLICT (size) DO UPDATE SET at = excluded.at, signed = excluded.signed`, n, micros(tx.now), string(signed)); err != nil {
			return err
		}
		if _, err := tx.exec(`UPDATE audit_head SET signed = ?, checkpoint_size = ?, checkpoint_at = ? WHERE id = 1`, string(signed), n, micros(tx.now)); err != nil {
			return err
		}
		if a.opts.Publish != nil {
			pub, s := a.opts.Publish, signed
			tx.AfterCommit(func() { pub(s) })
		}
		return nil
	})
	return signed, err
}

type txHashReader struct{ tx *Tx }

func (tx *Tx) hashReader() tlog.HashReader { return txHashReader{tx} }

// ReadHashes implements tlog.HashReader over the audit_hashes table as seen
// by the transaction (including rows it has inserted itself).
func (r txHashReader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	if len(indexes) == 0 {
		return nil, nil
	}
	q := `SELECT id, hash FROM audit_hashes WHERE id IN (?` + strings.Repeat(`, ?`, len(indexes)-1) + `)`
	args := make([]any, len(indexes))
	for i, x := range indexes {
		args[i] = x
	}
	rows, err := r.tx.query(q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	got := make(map[int64]tlog.Hash, len(indexes))
	for rows.Next() {
		var id int64
		var b []byte
		if err := rows.Scan(&id, &b); err != nil {
			return nil, err
		}
		var h tlog.Hash
		if len(b) != len(h) {
			return nil, fmt.Errorf("audit hash %d has %d bytes", id, len(b))
		}
		copy(h[:], b)
		got[id] = h
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		h, ok := got[x]
		if !ok {
			return nil, fmt.Errorf("audit hash %d is missing: %w", x, hub.ErrNotFound)
		}
		out[i] = h
	}
	return out, nil
}

// AuditFilter selects audit events.
type AuditFilter struct {
	SubjectID  string
	ActorID    string
	ObjectType string
	ObjectID   string
	Action     string
	From, To   time.Time
	// BeforeIndex pages backwards: only events with a smaller index.
	BeforeIndex int64
	Limit       int
}

// FindAuditEvents returns matching events, newest first.
func (tx *Tx) FindAuditEvents(f AuditFilter) ([]*hub.AuditEvent, error) {
	var where []string
	var args []any
	add := func(cond string, v any) { where = append(where, cond); args = append(args, v) }
	if f.SubjectID != "" {
		// The subject index is partial (WHERE subject_id <> ''); SQLite
		// uses it only when the query repeats that condition.
		add("subject_id = ? AND subject_id <> ''", f.SubjectID)
	}
	if f.ActorID != "" {
		add("actor_id = ?", f.ActorID)
	}
	if f.ObjectType != "" {
		add("object_type = ?", f.ObjectType)
	}
	if f.ObjectID != "" {
		add("object_id = ?", f.ObjectID)
	}
	if f.Action != "" {
		add("action = ?", f.Action)
	}
	if !f.From.IsZero() {
		add("at >= ?", micros(f.From))
	}
	if !f.To.IsZero() {
		add("at < ?", micros(f.To))
	}
	if f.BeforeIndex > 0 {
		add("idx < ?", f.BeforeIndex)
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	q := `SELECT idx, at, actor_id, actor_name, agency_id, role, action, object_type, object_id, subject_id, purpose, outcome, request_id, client, detail FROM audit_events`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += fmt.Sprintf(` ORDER BY idx DESC LIMIT %d`, f.Limit)
	rows, err := tx.query(q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*hub.AuditEvent
	for rows.Next() {
		e := &hub.AuditEvent{}
		var at int64
		if err := rows.Scan(&e.Index, &at, &e.ActorID, &e.ActorName, &e.AgencyID, &e.Role, &e.Action, &e.ObjectType, &e.ObjectID, &e.SubjectID, &e.Purpose, &e.Outcome, &e.RequestID, &e.Client, &e.Detail); err != nil {
			return nil, err
		}
		e.Time = fromMicros(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// AuditSize returns the number of entries in the audit log.
func (tx *Tx) AuditSize() (int64, error) {
	var n int64
	err := tx.queryRow(`SELECT size FROM audit_head WHERE id = 1`).Scan(&n)
	return n, tx.db.translate(err)
}

// VerifyAudit verifies the whole audit log against verifier v and the
// externally published checkpoints, reading it from one consistent snapshot
// (a read-only transaction; REPEATABLE READ on PostgreSQL) so that entries
// appended meanwhile do not make the head look stale.
func (db *DB) VerifyAudit(ctx context.Context, v note.Verifier, external [][]byte) (*audit.Report, error) {
	opts := &sql.TxOptions{ReadOnly: true}
	if db.engine == Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	sqlTx, err := db.db.BeginTx(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer sqlTx.Rollback()
	tx := &Tx{tx: sqlTx, db: db, ctx: ctx, now: db.Now()}
	return audit.Verify(auditSource{tx}, v, external)
}

// auditSource reads the log for audit.Verify inside one transaction.
type auditSource struct{ tx *Tx }

func (s auditSource) Entries(from int64, limit int) ([]audit.Entry, error) {
	rows, err := s.tx.query(`SELECT idx, at, actor_id, actor_name, agency_id, role, action, object_type, object_id, subject_id, purpose, outcome, request_id, client, detail, salt
		FROM audit_events WHERE idx >= ? ORDER BY idx LIMIT `+itoa(limit), from)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []audit.Entry
	for rows.Next() {
		var e hub.AuditEvent
		var at int64
		var salt []byte
		if err := rows.Scan(&e.Index, &at, &e.ActorID, &e.ActorName, &e.AgencyID, &e.Role, &e.Action, &e.ObjectType, &e.ObjectID, &e.SubjectID, &e.Purpose, &e.Outcome, &e.RequestID, &e.Client, &e.Detail, &salt); err != nil {
			return nil, err
		}
		e.Time = fromMicros(at)
		out = append(out, audit.Entry{Index: e.Index, Encoded: audit.Encode(&e, salt)})
	}
	return out, rows.Err()
}

func (s auditSource) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	return s.tx.hashReader().ReadHashes(indexes)
}

func (s auditSource) Checkpoints() ([][]byte, error) {
	rows, err := s.tx.query(`SELECT signed FROM audit_checkpoints ORDER BY size`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][]byte
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, []byte(s))
	}
	return out, rows.Err()
}

func (s auditSource) Head() ([]byte, error) {
	var signed string
	if err := s.tx.queryRow(`SELECT signed FROM audit_head WHERE id = 1`).Scan(&signed); err != nil {
		return nil, s.tx.db.translate(err)
	}
	if signed == "" {
		return nil, nil
	}
	return []byte(signed), nil
}

// KeyFingerprint is a short, non-secret fingerprint of a verifier key, for
// display.
func KeyFingerprint(vkey string) string {
	sum := sha256.Sum256([]byte(vkey))
	return fmt.Sprintf("%x", sum[:6])
}
