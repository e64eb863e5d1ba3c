-- 0004: casework part A (issue 4): contexts (places and groups as
-- subjects), referrals, the combined risk assessment with each agency's
-- contributions and its history, and the deadline job's sent notices.
-- A subject is (subject_kind, subject_id): a person or a context, so it
-- has no foreign key; area_id is the subject's area, copied for scoping.

CREATE TABLE contexts (
	id              TEXT PRIMARY KEY,
	area_id         TEXT NOT NULL REFERENCES areas(id),
	owner_agency_id TEXT NOT NULL REFERENCES agencies(id),
	kind            TEXT NOT NULL,
	name            TEXT NOT NULL,
	description     TEXT NOT NULL DEFAULT '',
	postcode        TEXT NOT NULL DEFAULT '',
	latitude        DOUBLE PRECISION NOT NULL DEFAULT 0,
	longitude       DOUBLE PRECISION NOT NULL DEFAULT 0,
	external_ref    TEXT NOT NULL DEFAULT '',
	created_by      TEXT NOT NULL DEFAULT '',
	version         BIGINT NOT NULL DEFAULT 1,
	created_at      BIGINT NOT NULL,
	updated_at      BIGINT NOT NULL
);
CREATE INDEX contexts_area ON contexts(area_id, name);
CREATE UNIQUE INDEX contexts_external_ref ON contexts(external_ref) WHERE external_ref <> '';

CREATE TABLE context_members (
	context_id TEXT NOT NULL REFERENCES contexts(id) ON DELETE CASCADE,
	seq        BIGINT NOT NULL,
	person_id  TEXT NOT NULL REFERENCES persons(id),
	role       TEXT NOT NULL,
	from_date  TEXT NOT NULL DEFAULT '',
	to_date    TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (context_id, seq)
);
CREATE INDEX context_members_person ON context_members(person_id);

CREATE TABLE referrals (
	id                 TEXT PRIMARY KEY,
	subject_kind       TEXT NOT NULL,
	subject_id         TEXT NOT NULL,
	area_id            TEXT NOT NULL REFERENCES areas(id),
	owner_agency_id    TEXT NOT NULL REFERENCES agencies(id),
	referrer_name      TEXT NOT NULL,
	referrer_role      TEXT NOT NULL DEFAULT '',
	referrer_agency_id TEXT NOT NULL DEFAULT '',
	referrer_org       TEXT NOT NULL DEFAULT '',
	received_at        BIGINT NOT NULL,
	concerns           TEXT NOT NULL,
	indicators         TEXT NOT NULL DEFAULT '',
	urgency            TEXT NOT NULL,
	decision_due       BIGINT NOT NULL,
	decision           TEXT NOT NULL DEFAULT '',
	decision_reason    TEXT NOT NULL DEFAULT '',
	decided_by         TEXT NOT NULL DEFAULT '',
	decided_by_name    TEXT NOT NULL DEFAULT '',
	decided_at         BIGINT NOT NULL DEFAULT 0,
	case_id            TEXT NOT NULL DEFAULT '',
	allocated_to       TEXT NOT NULL DEFAULT '',
	external_ref       TEXT NOT NULL DEFAULT '',
	created_by         TEXT NOT NULL DEFAULT '',
	version            BIGINT NOT NULL DEFAULT 1,
	created_at         BIGINT NOT NULL,
	updated_at         BIGINT NOT NULL
);
CREATE INDEX referrals_subject ON referrals(subject_kind, subject_id, received_at);
-- Undecided referrals by area and due time: the work queues' query.
CREATE INDEX referrals_open ON referrals(area_id, decision, decision_due);
CREATE INDEX referrals_allocated ON referrals(allocated_to, decision);
CREATE UNIQUE INDEX referrals_external_ref ON referrals(external_ref) WHERE external_ref <> '';

CREATE TABLE assessments (
	id               TEXT PRIMARY KEY,
	subject_kind     TEXT NOT NULL,
	subject_id       TEXT NOT NULL,
	area_id          TEXT NOT NULL REFERENCES areas(id),
	owner_agency_id  TEXT NOT NULL REFERENCES agencies(id),
	referral_id      TEXT NOT NULL DEFAULT '',
	cycle            BIGINT NOT NULL,
	latest           BOOLEAN NOT NULL,
	status           TEXT NOT NULL,
	indicators       TEXT NOT NULL DEFAULT '',
	score            BIGINT NOT NULL DEFAULT 0,
	suggested        TEXT NOT NULL DEFAULT 'none',
	level            TEXT NOT NULL DEFAULT '',
	level_reason     TEXT NOT NULL DEFAULT '',
	assessed_by      TEXT NOT NULL DEFAULT '',
	assessed_by_name TEXT NOT NULL DEFAULT '',
	assessed_at      BIGINT NOT NULL DEFAULT 0,
	review_due       TEXT NOT NULL DEFAULT '',
	reviewer_id      TEXT NOT NULL DEFAULT '',
	created_by       TEXT NOT NULL DEFAULT '',
	version          BIGINT NOT NULL DEFAULT 1,
	created_at       BIGINT NOT NULL,
	updated_at       BIGINT NOT NULL,
	UNIQUE (subject_kind, subject_id, cycle)
);
-- Reviews due: the latest completed cycles by area and review date.
CREATE INDEX assessments_review ON assessments(area_id, latest, status, review_due);
CREATE INDEX assessments_reviewer ON assessments(reviewer_id, latest, status);

-- Each save of an agency's contribution is a new row; the latest per
-- agency is current, the others are its history.
CREATE TABLE assessment_contributions (
	assessment_id TEXT NOT NULL REFERENCES assessments(id),
	seq           BIGINT NOT NULL,
	agency_id     TEXT NOT NULL REFERENCES agencies(id),
	agency_name   TEXT NOT NULL,
	agency_kind   TEXT NOT NULL,
	author_id     TEXT NOT NULL DEFAULT '',
	author_name   TEXT NOT NULL,
	indicators    TEXT NOT NULL DEFAULT '',
	evidence      TEXT NOT NULL DEFAULT '',
	at            BIGINT NOT NULL,
	PRIMARY KEY (assessment_id, seq)
);

-- One row per version of an assessment: what changed, by whom, and the
-- state after it.
CREATE TABLE assessment_history (
	assessment_id TEXT NOT NULL REFERENCES assessments(id),
	version       BIGINT NOT NULL,
	action        TEXT NOT NULL,
	actor_id      TEXT NOT NULL,
	actor_name    TEXT NOT NULL,
	at            BIGINT NOT NULL,
	score         BIGINT NOT NULL,
	suggested     TEXT NOT NULL,
	level         TEXT NOT NULL,
	reason        TEXT NOT NULL,
	review_due    TEXT NOT NULL,
	detail        TEXT NOT NULL,
	PRIMARY KEY (assessment_id, version)
);

-- Overdue notices the deadline job has sent: one per work item and due
-- time, so an owner is told once (on every server of a cluster).
CREATE TABLE work_notices (
	kind        TEXT NOT NULL,
	object_id   TEXT NOT NULL,
	due         BIGINT NOT NULL,
	notified_at BIGINT NOT NULL,
	PRIMARY KEY (kind, object_id, due)
);
