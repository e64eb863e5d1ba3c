-- 0005: hub cases (issue 4, part B): a case for a child or a context, its
-- team and agencies, its safeguarding plan's actions with their progress,
-- meetings and their attendees, case notes, attachments to notes (the files
-- themselves live in the attachment directory under generated names), and
-- referrals to support services.
--
-- A case's subject is a person or a context (subject_kind), so subject_id
-- has no foreign key. area_id is the responsible area, copied onto the
-- case's parts so that area-scoped lists and work queues need no join.
CREATE TABLE cases (
	id              TEXT PRIMARY KEY,
	subject_kind    TEXT NOT NULL,
	subject_id      TEXT NOT NULL,
	area_id         TEXT NOT NULL REFERENCES areas(id),
	owner_agency_id TEXT NOT NULL REFERENCES agencies(id),
	lead_id         TEXT NOT NULL REFERENCES users(id),
	exploitation    TEXT NOT NULL,
	status          TEXT NOT NULL,
	summary         TEXT NOT NULL,
	plan_summary    TEXT NOT NULL DEFAULT '',
	opened_at       BIGINT NOT NULL,
	review_due      TEXT NOT NULL DEFAULT '',
	closed_at       BIGINT NOT NULL DEFAULT 0,
	closure_code    TEXT NOT NULL DEFAULT '',
	closure_reason  TEXT NOT NULL DEFAULT '',
	referral_id     TEXT NOT NULL DEFAULT '',
	external_ref    TEXT NOT NULL DEFAULT '',
	created_by      TEXT NOT NULL DEFAULT '',
	version         BIGINT NOT NULL DEFAULT 1,
	created_at      BIGINT NOT NULL,
	updated_at      BIGINT NOT NULL
);
CREATE INDEX cases_subject ON cases(subject_kind, subject_id, status);
CREATE INDEX cases_area_status ON cases(area_id, status, review_due);
CREATE INDEX cases_lead_status ON cases(lead_id, status);
-- One active (open or on hold) case per subject.
CREATE UNIQUE INDEX cases_one_active ON cases(subject_kind, subject_id) WHERE status <> 'closed';
CREATE UNIQUE INDEX cases_external_ref ON cases(external_ref) WHERE external_ref <> '';

CREATE TABLE case_members (
	case_id TEXT NOT NULL REFERENCES cases(id),
	user_id TEXT NOT NULL REFERENCES users(id),
	PRIMARY KEY (case_id, user_id)
);
CREATE INDEX case_members_user ON case_members(user_id);

CREATE TABLE case_agencies (
	case_id   TEXT NOT NULL REFERENCES cases(id),
	agency_id TEXT NOT NULL REFERENCES agencies(id),
	PRIMARY KEY (case_id, agency_id)
);

CREATE TABLE plan_actions (
	id           TEXT PRIMARY KEY,
	case_id      TEXT NOT NULL REFERENCES cases(id),
	area_id      TEXT NOT NULL,
	what         TEXT NOT NULL,
	owner_id     TEXT NOT NULL REFERENCES users(id),
	agency_id    TEXT NOT NULL REFERENCES agencies(id),
	due_on       TEXT NOT NULL,
	status       TEXT NOT NULL,
	meeting_id   TEXT NOT NULL DEFAULT '',
	completed_at BIGINT NOT NULL DEFAULT 0,
	created_by   TEXT NOT NULL DEFAULT '',
	version      BIGINT NOT NULL DEFAULT 1,
	created_at   BIGINT NOT NULL,
	updated_at   BIGINT NOT NULL
);
CREATE INDEX plan_actions_case ON plan_actions(case_id, due_on);
CREATE INDEX plan_actions_owner ON plan_actions(owner_id, status, due_on);
CREATE INDEX plan_actions_area ON plan_actions(area_id, status, due_on);

CREATE TABLE plan_action_progress (
	action_id   TEXT NOT NULL REFERENCES plan_actions(id),
	seq         BIGINT NOT NULL,
	at          BIGINT NOT NULL,
	author_id   TEXT NOT NULL,
	author_name TEXT NOT NULL,
	status      TEXT NOT NULL,
	note        TEXT NOT NULL,
	PRIMARY KEY (action_id, seq)
);

CREATE TABLE meetings (
	id         TEXT PRIMARY KEY,
	case_id    TEXT NOT NULL REFERENCES cases(id),
	area_id    TEXT NOT NULL,
	kind       TEXT NOT NULL,
	held_at    BIGINT NOT NULL,
	decisions  TEXT NOT NULL,
	s47        BOOLEAN NOT NULL DEFAULT FALSE,
	created_by TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL
);
CREATE INDEX meetings_case ON meetings(case_id, held_at);

CREATE TABLE meeting_attendees (
	meeting_id TEXT NOT NULL REFERENCES meetings(id),
	seq        BIGINT NOT NULL,
	user_id    TEXT NOT NULL DEFAULT '',
	name       TEXT NOT NULL,
	agency     TEXT NOT NULL DEFAULT '',
	role       TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (meeting_id, seq)
);

CREATE TABLE case_notes (
	id          TEXT PRIMARY KEY,
	case_id     TEXT NOT NULL REFERENCES cases(id),
	area_id     TEXT NOT NULL,
	kind        TEXT NOT NULL,
	at          BIGINT NOT NULL,
	body        TEXT NOT NULL,
	author_id   TEXT NOT NULL,
	author_name TEXT NOT NULL,
	agency_id   TEXT NOT NULL DEFAULT '',
	created_at  BIGINT NOT NULL
);
CREATE INDEX case_notes_case ON case_notes(case_id, at);

CREATE TABLE attachments (
	id           TEXT PRIMARY KEY,
	note_id      TEXT NOT NULL REFERENCES case_notes(id),
	case_id      TEXT NOT NULL REFERENCES cases(id),
	area_id      TEXT NOT NULL,
	name         TEXT NOT NULL,
	content_type TEXT NOT NULL,
	size         BIGINT NOT NULL,
	sha256       TEXT NOT NULL,
	stored_name  TEXT NOT NULL UNIQUE,
	uploaded_by  TEXT NOT NULL,
	created_at   BIGINT NOT NULL
);
CREATE INDEX attachments_note ON attachments(note_id);

CREATE TABLE service_referrals (
	id           TEXT PRIMARY KEY,
	case_id      TEXT NOT NULL REFERENCES cases(id),
	area_id      TEXT NOT NULL,
	pathway      TEXT NOT NULL,
	provider     TEXT NOT NULL,
	referred_on  TEXT NOT NULL,
	reason       TEXT NOT NULL DEFAULT '',
	outcome      TEXT NOT NULL,
	outcome_on   TEXT NOT NULL DEFAULT '',
	outcome_note TEXT NOT NULL DEFAULT '',
	created_by   TEXT NOT NULL DEFAULT '',
	version      BIGINT NOT NULL DEFAULT 1,
	created_at   BIGINT NOT NULL,
	updated_at   BIGINT NOT NULL
);
CREATE INDEX service_referrals_case ON service_referrals(case_id, referred_on);
