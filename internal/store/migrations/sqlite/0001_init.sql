-- 0001: the platform. Times are INTEGER microseconds since the Unix epoch
-- (UTC) in both engines so that the SQL above the migrations is written once;
-- calendar dates are TEXT 'YYYY-MM-DD'.

CREATE TABLE agencies (
	id         TEXT PRIMARY KEY,
	name       TEXT NOT NULL UNIQUE,
	kind       TEXT NOT NULL,
	version    INTEGER NOT NULL DEFAULT 1,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);

CREATE TABLE areas (
	id         TEXT PRIMARY KEY,
	code       TEXT NOT NULL UNIQUE,
	name       TEXT NOT NULL UNIQUE,
	version    INTEGER NOT NULL DEFAULT 1,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);

CREATE TABLE users (
	id                  TEXT PRIMARY KEY,
	username            TEXT NOT NULL UNIQUE,
	display_name        TEXT NOT NULL,
	email               TEXT NOT NULL DEFAULT '',
	agency_id           TEXT NOT NULL REFERENCES agencies(id),
	area_ids            TEXT NOT NULL DEFAULT '',
	roles               TEXT NOT NULL,
	disabled            BOOLEAN NOT NULL DEFAULT FALSE,
	password_hash       TEXT NOT NULL DEFAULT '',
	mfa_secret          TEXT NOT NULL DEFAULT '',
	mfa_enrolled        BOOLEAN NOT NULL DEFAULT FALSE,
	mfa_last_step       INTEGER NOT NULL DEFAULT 0,
	oidc_issuer         TEXT NOT NULL DEFAULT '',
	oidc_subject        TEXT NOT NULL DEFAULT '',
	password_changed_at INTEGER NOT NULL DEFAULT 0,
	version             INTEGER NOT NULL DEFAULT 1,
	created_at          INTEGER NOT NULL,
	updated_at          INTEGER NOT NULL
);
CREATE UNIQUE INDEX users_oidc ON users(oidc_issuer, oidc_subject) WHERE oidc_issuer <> '';

CREATE TABLE sessions (
	id_hash      BLOB PRIMARY KEY,
	user_id      TEXT NOT NULL REFERENCES users(id),
	mfa_pending  BOOLEAN NOT NULL,
	created_at   INTEGER NOT NULL,
	last_seen_at INTEGER NOT NULL,
	expires_at   INTEGER NOT NULL,
	client       TEXT NOT NULL DEFAULT '',
	user_agent   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_clients (
	id           TEXT PRIMARY KEY,
	name         TEXT NOT NULL,
	setting      TEXT NOT NULL DEFAULT '',
	agency_id    TEXT NOT NULL REFERENCES agencies(id),
	user_id      TEXT REFERENCES users(id),
	scopes       TEXT NOT NULL,
	token_hash   BLOB NOT NULL UNIQUE,
	token_prefix TEXT NOT NULL,
	created_at   INTEGER NOT NULL,
	revoked_at   INTEGER NOT NULL DEFAULT 0,
	last_used_at INTEGER NOT NULL DEFAULT 0
);

-- SQLite only: persons and person_name_keys are WITHOUT ROWID tables, so a
-- lookup by their text primary key is one b-tree descent, not two (the
-- PostgreSQL migration has plain tables with the same columns).
CREATE TABLE persons (
	id              TEXT PRIMARY KEY,
	area_id         TEXT NOT NULL REFERENCES areas(id),
	owner_agency_id TEXT NOT NULL REFERENCES agencies(id),
	given_name      TEXT NOT NULL,
	family_name     TEXT NOT NULL,
	date_of_birth   TEXT NOT NULL DEFAULT '',
	dob_estimated   BOOLEAN NOT NULL DEFAULT FALSE,
	sex             TEXT NOT NULL DEFAULT '',
	gender          TEXT NOT NULL DEFAULT '',
	ethnicity       TEXT NOT NULL DEFAULT '',
	language        TEXT NOT NULL DEFAULT '',
	sensitivity     TEXT NOT NULL DEFAULT 'normal',
	synthetic       BOOLEAN NOT NULL DEFAULT FALSE,
	created_by      TEXT NOT NULL DEFAULT '',
	version         INTEGER NOT NULL DEFAULT 1,
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX persons_area_dob ON persons(area_id, date_of_birth);
CREATE INDEX persons_dob ON persons(date_of_birth);

-- One row per name a person is known by (their own name is kind 'name').
CREATE TABLE person_names (
	person_id   TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
	seq         INTEGER NOT NULL,
	kind        TEXT NOT NULL,
	given_name  TEXT NOT NULL,
	family_name TEXT NOT NULL,
	PRIMARY KEY (person_id, seq)
);

-- Search keys: ident.NameKey of every word of every name a person is known
-- by, and of each whole given and family name ("Mary Ann" gives "mary",
-- "ann" and "maryann"), for indexed prefix search. The person's area and
-- sensitivity are copied here (and rewritten with the keys on every
-- update) so that a search's scope is applied inside the index.
CREATE TABLE person_name_keys (
	person_id  TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
	name_key   TEXT NOT NULL,
	area_id    TEXT NOT NULL,
	restricted BOOLEAN NOT NULL,
	PRIMARY KEY (person_id, name_key)
) WITHOUT ROWID;
CREATE INDEX person_name_keys_key ON person_name_keys(name_key, area_id, restricted, person_id);

CREATE TABLE person_addresses (
	person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
	seq       INTEGER NOT NULL,
	line1     TEXT NOT NULL,
	line2     TEXT NOT NULL,
	town      TEXT NOT NULL,
	postcode  TEXT NOT NULL,
	from_date TEXT NOT NULL,
	to_date   TEXT NOT NULL,
	PRIMARY KEY (person_id, seq)
);
CREATE INDEX person_addresses_postcode ON person_addresses(postcode);

CREATE TABLE person_phones (
	person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
	seq       INTEGER NOT NULL,
	number    TEXT NOT NULL,
	kind      TEXT NOT NULL,
	from_date TEXT NOT NULL,
	to_date   TEXT NOT NULL,
	PRIMARY KEY (person_id, seq)
);
CREATE INDEX person_phones_number ON person_phones(number);

CREATE TABLE person_identifiers (
	person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
	kind      TEXT NOT NULL,
	value     TEXT NOT NULL,
	PRIMARY KEY (person_id, kind)
);
CREATE UNIQUE INDEX person_identifiers_value ON person_identifiers(kind, value);

-- Break-glass grants: access outside an actor's normal scope, with a typed
-- reason, for a limited time. Listed for the auditor.
CREATE TABLE break_glass (
	id          TEXT PRIMARY KEY,
	user_id     TEXT NOT NULL REFERENCES users(id),
	object_type TEXT NOT NULL,
	object_id   TEXT NOT NULL,
	reason      TEXT NOT NULL,
	created_at  INTEGER NOT NULL,
	expires_at  INTEGER NOT NULL,
	reviewed_by TEXT NOT NULL DEFAULT '',
	reviewed_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX break_glass_user ON break_glass(user_id, object_type, object_id);

-- The audit log: one row per event, the tree's stored hashes, the signed
-- head (latest size and root) and signed checkpoints. Append-only: nothing
-- above the store updates or deletes these rows.
CREATE TABLE audit_events (
	idx         INTEGER PRIMARY KEY,
	at          INTEGER NOT NULL,
	actor_id    TEXT NOT NULL,
	actor_name  TEXT NOT NULL,
	agency_id   TEXT NOT NULL,
	role        TEXT NOT NULL,
	action      TEXT NOT NULL,
	object_type TEXT NOT NULL,
	object_id   TEXT NOT NULL,
	subject_id  TEXT NOT NULL,
	purpose     TEXT NOT NULL,
	outcome     TEXT NOT NULL,
	request_id  TEXT NOT NULL,
	client      TEXT NOT NULL,
	detail      TEXT NOT NULL,
	salt        BLOB NOT NULL
);
CREATE INDEX audit_events_subject ON audit_events(subject_id, idx) WHERE subject_id <> '';
CREATE INDEX audit_events_actor ON audit_events(actor_id, idx);

CREATE TABLE audit_hashes (
	id   INTEGER PRIMARY KEY,
	hash BLOB NOT NULL
);

CREATE TABLE audit_head (
	id     INTEGER PRIMARY KEY CHECK (id = 1),
	size   INTEGER NOT NULL,
	signed TEXT NOT NULL,
	checkpoint_size INTEGER NOT NULL,
	checkpoint_at   INTEGER NOT NULL
);
INSERT INTO audit_head (id, size, signed, checkpoint_size, checkpoint_at) VALUES (1, 0, '', 0, 0);

CREATE TABLE audit_checkpoints (
	size   INTEGER PRIMARY KEY,
	at     INTEGER NOT NULL,
	signed TEXT NOT NULL
);

CREATE TABLE settings (
	name  TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
