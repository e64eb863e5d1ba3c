-- 0003: health flags (issue 5). One row per flag, its full history in
-- flag_history (one row per version, written with each change), the
-- consultations the hub's nurse answers about a flag and the referrals to
-- support and recovery services made from it.
CREATE TABLE flags (
	id              TEXT PRIMARY KEY,
	person_id       TEXT NOT NULL REFERENCES persons(id),
	area_id         TEXT NOT NULL,
	owner_agency_id TEXT NOT NULL,
	status          TEXT NOT NULL,
	category        TEXT NOT NULL,
	risk_level      TEXT NOT NULL,
	start_date      TEXT NOT NULL,
	end_date        TEXT NOT NULL DEFAULT '',
	review_due      TEXT NOT NULL DEFAULT '',
	reason          TEXT NOT NULL DEFAULT '',
	advice          TEXT NOT NULL,
	contact_phone   TEXT NOT NULL DEFAULT '',
	contact_hours   TEXT NOT NULL DEFAULT '',
	lead_user_id    TEXT NOT NULL DEFAULT '',
	end_reason      TEXT NOT NULL DEFAULT '',
	reviewed_at     BIGINT NOT NULL DEFAULT 0,
	reviewed_by     TEXT NOT NULL DEFAULT '',
	review_prompt   TEXT NOT NULL DEFAULT '',
	created_by      TEXT NOT NULL DEFAULT '',
	version         BIGINT NOT NULL DEFAULT 1,
	created_at      BIGINT NOT NULL,
	updated_at      BIGINT NOT NULL
);
CREATE INDEX flags_person ON flags(person_id);
CREATE INDEX flags_status_review ON flags(status, review_due);
CREATE INDEX flags_area ON flags(area_id, status);
-- At most one active flag of each category per child.
CREATE UNIQUE INDEX flags_one_active ON flags(person_id, category) WHERE status = 'active';

CREATE TABLE flag_history (
	flag_id    TEXT NOT NULL REFERENCES flags(id),
	version    BIGINT NOT NULL,
	action     TEXT NOT NULL,
	actor_id   TEXT NOT NULL,
	actor_name TEXT NOT NULL,
	at         BIGINT NOT NULL,
	status     TEXT NOT NULL,
	category   TEXT NOT NULL,
	risk_level TEXT NOT NULL,
	start_date TEXT NOT NULL,
	end_date   TEXT NOT NULL,
	review_due TEXT NOT NULL,
	reason     TEXT NOT NULL,
	advice     TEXT NOT NULL,
	contact_phone TEXT NOT NULL,
	contact_hours TEXT NOT NULL,
	lead_user_id  TEXT NOT NULL,
	end_reason    TEXT NOT NULL,
	note          TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (flag_id, version)
);

-- Consultation calls the nurse answers about a flagged child: who called,
-- from which setting, when, and what was advised.
CREATE TABLE flag_consultations (
	id               TEXT PRIMARY KEY,
	flag_id          TEXT NOT NULL REFERENCES flags(id),
	person_id        TEXT NOT NULL REFERENCES persons(id),
	area_id          TEXT NOT NULL,
	consulted_on     TEXT NOT NULL,
	caller           TEXT NOT NULL,
	setting          TEXT NOT NULL,
	note             TEXT NOT NULL DEFAULT '',
	recorded_by      TEXT NOT NULL,
	recorded_by_name TEXT NOT NULL,
	created_at       BIGINT NOT NULL
);
CREATE INDEX flag_consultations_flag ON flag_consultations(flag_id);
CREATE INDEX flag_consultations_area ON flag_consultations(area_id, consulted_on);

-- Referrals from a flag to support and recovery services (until casework's
-- service referrals replace them).
CREATE TABLE flag_referrals (
	id               TEXT PRIMARY KEY,
	flag_id          TEXT NOT NULL REFERENCES flags(id),
	person_id        TEXT NOT NULL REFERENCES persons(id),
	area_id          TEXT NOT NULL,
	service          TEXT NOT NULL,
	referred_on      TEXT NOT NULL,
	outcome          TEXT NOT NULL,
	outcome_on       TEXT NOT NULL DEFAULT '',
	note             TEXT NOT NULL DEFAULT '',
	recorded_by      TEXT NOT NULL,
	recorded_by_name TEXT NOT NULL,
	version          BIGINT NOT NULL DEFAULT 1,
	created_at       BIGINT NOT NULL,
	updated_at       BIGINT NOT NULL
);
CREATE INDEX flag_referrals_flag ON flag_referrals(flag_id);
CREATE INDEX flag_referrals_area ON flag_referrals(area_id, outcome);

-- The nurse's desk lists the last day's look-ups: only look-up events are
-- indexed by time (the predicate is a literal so that SQLite uses it).
CREATE INDEX audit_events_flag_lookup ON audit_events(at) WHERE action = 'flag_lookup';
