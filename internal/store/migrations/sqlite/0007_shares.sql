-- 0007: cross-border information sharing (issue 6). A share opens named
-- parts of one child's record (or of one case) to an area, an agency or
-- named users, for a purpose, under a lawful basis, until an expiry. Lists
-- (recipient ids, parts) are comma-joined; recipients are also rows of
-- share_recipients so that "shares naming me" is one indexed query.
CREATE TABLE shares (
	id              TEXT PRIMARY KEY,
	person_id       TEXT NOT NULL DEFAULT '',
	case_id         TEXT NOT NULL DEFAULT '',
	owner_area_id   TEXT NOT NULL,
	owner_agency_id TEXT NOT NULL DEFAULT '',
	recipient_kind  TEXT NOT NULL,
	recipient_ids   TEXT NOT NULL,
	parts           TEXT NOT NULL,
	purpose         TEXT NOT NULL,
	basis_code      TEXT NOT NULL,
	necessity       TEXT NOT NULL DEFAULT '',
	contribute      BOOLEAN NOT NULL DEFAULT FALSE,
	status          TEXT NOT NULL,
	shared_by       TEXT NOT NULL,
	shared_by_name  TEXT NOT NULL DEFAULT '',
	approved_by     TEXT NOT NULL DEFAULT '',
	approved_at     INTEGER NOT NULL DEFAULT 0,
	expires_at      INTEGER NOT NULL,
	revoked_by      TEXT NOT NULL DEFAULT '',
	revoked_at      INTEGER NOT NULL DEFAULT 0,
	end_reason      TEXT NOT NULL DEFAULT '',
	request_id      TEXT NOT NULL DEFAULT '',
	received_at     INTEGER NOT NULL DEFAULT 0,
	expiry_logged   INTEGER NOT NULL DEFAULT 0,
	version         INTEGER NOT NULL DEFAULT 1,
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL
);
CREATE INDEX shares_person ON shares(person_id, status);
CREATE INDEX shares_case ON shares(case_id, status);
CREATE INDEX shares_owner ON shares(owner_area_id, status, expires_at);

CREATE TABLE share_recipients (
	share_id     TEXT NOT NULL REFERENCES shares(id),
	recipient_id TEXT NOT NULL,
	PRIMARY KEY (recipient_id, share_id)
);

CREATE TABLE share_requests (
	id               TEXT PRIMARY KEY,
	person_id        TEXT NOT NULL REFERENCES persons(id),
	owner_area_id    TEXT NOT NULL,
	requester_id     TEXT NOT NULL,
	requester_name   TEXT NOT NULL DEFAULT '',
	requester_agency TEXT NOT NULL DEFAULT '',
	parts            TEXT NOT NULL,
	purpose          TEXT NOT NULL,
	reason           TEXT NOT NULL,
	status           TEXT NOT NULL,
	decided_by       TEXT NOT NULL DEFAULT '',
	decided_at       INTEGER NOT NULL DEFAULT 0,
	refuse_reason    TEXT NOT NULL DEFAULT '',
	share_id         TEXT NOT NULL DEFAULT '',
	created_at       INTEGER NOT NULL
);
CREATE INDEX share_requests_owner ON share_requests(owner_area_id, status, created_at);
CREATE INDEX share_requests_requester ON share_requests(requester_id, created_at);

-- What recipients add: kept apart from the owner's record, attributed, and
-- kept by the recipient's agency after the share ends.
CREATE TABLE share_contributions (
	id          TEXT PRIMARY KEY,
	share_id    TEXT NOT NULL REFERENCES shares(id),
	person_id   TEXT NOT NULL DEFAULT '',
	author_id   TEXT NOT NULL,
	author_name TEXT NOT NULL,
	agency_id   TEXT NOT NULL,
	body        TEXT NOT NULL,
	created_at  INTEGER NOT NULL
);
CREATE INDEX share_contributions_share ON share_contributions(share_id, created_at);
CREATE INDEX share_contributions_agency ON share_contributions(agency_id, person_id);
