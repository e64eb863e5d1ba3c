-- 0006: missing episodes, return home interviews, the repeat-missing
-- rule's prompts, Philomena profiles and NRM referrals (issue 4, part C).
-- A record's area and sensitivity are the person's: they are read through
-- a join with persons, never copied, so moving or restricting a person
-- moves and restricts their casework with them.
CREATE TABLE missing_episodes (
	id               TEXT PRIMARY KEY,
	person_id        TEXT NOT NULL REFERENCES persons(id),
	type             TEXT NOT NULL,
	missing_from     TEXT NOT NULL,
	last_seen_at     INTEGER NOT NULL,
	last_seen_place  TEXT NOT NULL,
	reported_at      INTEGER NOT NULL,
	reported_by      TEXT NOT NULL,
	reporter_detail  TEXT NOT NULL DEFAULT '',
	police_reference TEXT NOT NULL DEFAULT '',
	risk_level       TEXT NOT NULL DEFAULT '',
	circumstances    TEXT NOT NULL DEFAULT '',
	clothing         TEXT NOT NULL DEFAULT '',
	steps_taken      TEXT NOT NULL DEFAULT '',
	found_at         INTEGER NOT NULL DEFAULT 0,
	found_place      TEXT NOT NULL DEFAULT '',
	found_by         TEXT NOT NULL DEFAULT '',
	found_with       TEXT NOT NULL DEFAULT '',
	found_with_ids   TEXT NOT NULL DEFAULT '',
	out_of_area      BOOLEAN NOT NULL DEFAULT FALSE,
	found_condition  TEXT NOT NULL DEFAULT '',
	returned_at      INTEGER NOT NULL DEFAULT 0,
	returned_to      TEXT NOT NULL DEFAULT '',
	philomena_version INTEGER NOT NULL DEFAULT 0,
	created_by       TEXT NOT NULL DEFAULT '',
	version          INTEGER NOT NULL DEFAULT 1,
	created_at       INTEGER NOT NULL,
	updated_at       INTEGER NOT NULL
);
CREATE INDEX missing_episodes_person ON missing_episodes(person_id, last_seen_at);
CREATE INDEX missing_episodes_open ON missing_episodes(returned_at, last_seen_at);

-- Every police risk grading of an episode: the first at the report, then
-- each change, with who, when and why.
CREATE TABLE missing_risk_history (
	episode_id TEXT NOT NULL REFERENCES missing_episodes(id),
	seq        INTEGER NOT NULL,
	at         INTEGER NOT NULL,
	actor_id   TEXT NOT NULL,
	actor_name TEXT NOT NULL,
	from_level TEXT NOT NULL,
	to_level   TEXT NOT NULL,
	rationale  TEXT NOT NULL,
	PRIMARY KEY (episode_id, seq)
);

CREATE TABLE missing_updates (
	id         TEXT PRIMARY KEY,
	episode_id TEXT NOT NULL REFERENCES missing_episodes(id),
	at         INTEGER NOT NULL,
	actor_id   TEXT NOT NULL,
	actor_name TEXT NOT NULL,
	source     TEXT NOT NULL,
	body       TEXT NOT NULL
);
CREATE INDEX missing_updates_episode ON missing_updates(episode_id, at);

-- One return home interview per returned police-recorded episode.
CREATE TABLE return_interviews (
	id                     TEXT PRIMARY KEY,
	episode_id             TEXT NOT NULL UNIQUE REFERENCES missing_episodes(id),
	person_id              TEXT NOT NULL REFERENCES persons(id),
	due_at                 INTEGER NOT NULL,
	status                 TEXT NOT NULL,
	allocated_to           TEXT NOT NULL DEFAULT '',
	offered_at             INTEGER NOT NULL DEFAULT 0,
	completed_at           INTEGER NOT NULL DEFAULT 0,
	interviewer            TEXT NOT NULL DEFAULT '',
	interviewer_kind       TEXT NOT NULL DEFAULT '',
	independent            BOOLEAN NOT NULL DEFAULT FALSE,
	not_independent_reason TEXT NOT NULL DEFAULT '',
	declined_reason        TEXT NOT NULL DEFAULT '',
	push_factors           TEXT NOT NULL DEFAULT '',
	pull_factors           TEXT NOT NULL DEFAULT '',
	disclosures            TEXT NOT NULL DEFAULT '',
	people_named           TEXT NOT NULL DEFAULT '',
	places_named           TEXT NOT NULL DEFAULT '',
	shared_with            TEXT NOT NULL DEFAULT '',
	created_by             TEXT NOT NULL DEFAULT '',
	version                INTEGER NOT NULL DEFAULT 1,
	created_at             INTEGER NOT NULL,
	updated_at             INTEGER NOT NULL
);
CREATE INDEX return_interviews_person ON return_interviews(person_id);
CREATE INDEX return_interviews_status ON return_interviews(status, due_at);

-- The repeat-missing rule's prompts for a strategy discussion or review.
CREATE TABLE missing_prompts (
	id          TEXT PRIMARY KEY,
	person_id   TEXT NOT NULL REFERENCES persons(id),
	episode_id  TEXT NOT NULL REFERENCES missing_episodes(id),
	reason      TEXT NOT NULL,
	high_risk   BOOLEAN NOT NULL,
	episodes    INTEGER NOT NULL,
	due_at      INTEGER NOT NULL,
	created_at  INTEGER NOT NULL,
	resolved_at INTEGER NOT NULL DEFAULT 0,
	resolved_by TEXT NOT NULL DEFAULT '',
	resolution  TEXT NOT NULL DEFAULT '',
	note        TEXT NOT NULL DEFAULT '',
	version     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX missing_prompts_person ON missing_prompts(person_id, resolved_at);
CREATE INDEX missing_prompts_open ON missing_prompts(resolved_at, due_at);

-- Philomena profiles: one row per version, never changed once written.
CREATE TABLE philomena_profiles (
	person_id       TEXT NOT NULL REFERENCES persons(id),
	version         INTEGER NOT NULL,
	placement       TEXT NOT NULL,
	description     TEXT NOT NULL,
	photo_reference TEXT NOT NULL,
	associates      TEXT NOT NULL,
	places          TEXT NOT NULL,
	phones_social   TEXT NOT NULL,
	vulnerabilities TEXT NOT NULL,
	finance         TEXT NOT NULL,
	transport       TEXT NOT NULL,
	prior_missing   TEXT NOT NULL,
	review_due      TEXT NOT NULL,
	reviewed_at     INTEGER NOT NULL,
	reviewed_by     TEXT NOT NULL,
	reviewer_name   TEXT NOT NULL,
	PRIMARY KEY (person_id, version)
);

CREATE TABLE nrm_referrals (
	id                TEXT PRIMARY KEY,
	person_id         TEXT NOT NULL REFERENCES persons(id),
	kind              TEXT NOT NULL,
	child             BOOLEAN NOT NULL,
	consent           TEXT NOT NULL,
	submitted_at      INTEGER NOT NULL,
	first_responder   TEXT NOT NULL,
	responder_officer TEXT NOT NULL DEFAULT '',
	exploitation_type TEXT NOT NULL,
	reference         TEXT NOT NULL DEFAULT '',
	rg_target_at      INTEGER NOT NULL DEFAULT 0,
	rg_decision       TEXT NOT NULL,
	rg_decided_on     TEXT NOT NULL DEFAULT '',
	recovery_ends     TEXT NOT NULL DEFAULT '',
	cg_decision       TEXT NOT NULL,
	cg_decided_on     TEXT NOT NULL DEFAULT '',
	outcome           TEXT NOT NULL DEFAULT '',
	ictg              TEXT NOT NULL DEFAULT '',
	notes             TEXT NOT NULL DEFAULT '',
	created_by        TEXT NOT NULL DEFAULT '',
	version           INTEGER NOT NULL DEFAULT 1,
	created_at        INTEGER NOT NULL,
	updated_at        INTEGER NOT NULL
);
CREATE INDEX nrm_referrals_person ON nrm_referrals(person_id);
CREATE INDEX nrm_referrals_rg ON nrm_referrals(rg_decision, rg_target_at);
