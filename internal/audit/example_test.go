package audit_test

import (
	"bytes"
	"fmt"
	"time"

	"github.com/safehub/safehub/internal/audit"
	"github.com/safehub/safehub/internal/hub"
)

// This example does what a store does on each append, publishes a
// checkpoint outside the database, proves that one event is in the log, and
// verifies the whole log before and after an edit.
func Example() {
	skey, vkey, err := audit.GenerateKey("safehub.audit/example")
	if err != nil {
		panic(err)
	}
	signer, _ := audit.NewSigner(skey)
	verifier, _ := audit.NewVerifier(vkey)

	db := &audit.MemorySource{} // stands in for the audit tables
	var published bytes.Buffer  // stands in for the append-only file
	for i := range int64(10) {
		e := &hub.AuditEvent{
			Time:     audit.CanonicalTime(time.Date(2026, 3, 1, 9, 0, int(i), 0, time.UTC)),
			ActorID:  "user-1",
			Action:   hub.ActView,
			ObjectID: fmt.Sprintf("person-%d", i),
			Outcome:  hub.OutcomeSuccess,
		}
		enc := audit.Encode(e, audit.NewSalt())

		// In one transaction: the row, its stored hashes, a new signed head.
		n := int64(len(db.Rows))
		hashes, err := audit.StoredHashesForAppend(n, enc, db)
		if err != nil {
			panic(err)
		}
		db.Rows = append(db.Rows, audit.Entry{Index: n, Encoded: enc})
		db.Hashes = append(db.Hashes, hashes...) // at tlog.StoredHashIndex(0, n) onward
		root, err := audit.TreeHash(n+1, db)
		if err != nil {
			panic(err)
		}
		head, err := audit.SignCheckpoint(audit.Checkpoint{Origin: signer.Name(), Size: n + 1, Root: root}, signer)
		if err != nil {
			panic(err)
		}
		db.HeadNote = head
		if (n+1)%5 == 0 {
			db.Notes = append(db.Notes, head)
			// After commit: publish outside the database.
			if err := audit.AppendCheckpointFile(&published, head); err != nil {
				panic(err)
			}
		}
	}

	// Prove to an auditor that entry 3 is in the latest checkpoint.
	latest, _ := audit.OpenCheckpoint(db.HeadNote, verifier)
	proof, _ := audit.ProveInclusion(latest.Size, 3, db)
	err = audit.CheckInclusion(proof, latest, 3, audit.LeafHash(db.Rows[3].Encoded))
	fmt.Println("entry 3 included:", err == nil, "proof hashes:", len(proof))

	external, _ := audit.ParseCheckpointFile(&published)
	rep, _ := audit.Verify(db, verifier, external)
	fmt.Println("intact:", rep.OK(), "entries:", rep.Entries)

	// Someone edits entry 7 directly in the database.
	e, salt, _ := audit.Decode(db.Rows[7].Encoded)
	e.ObjectID = "person-999"
	db.Rows[7].Encoded = audit.Encode(e, salt)
	rep, _ = audit.Verify(db, verifier, external)
	fmt.Println("intact:", rep.OK(), "first bad:", rep.FirstBad, "-", rep.Problem)

	// Output:
	// entry 3 included: true proof hashes: 4
	// intact: true entries: 10
	// intact: false first bad: 7 - entry 7 was changed
}
