-- 0003: health flags (issue 5). One row per flag, its full history in
-- flag_history (one row per version, written with each change).
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
	created_by      TEXT NOT NULL DEFAULT '',
	version         INTEGER NOT NULL DEFAULT 1,
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL
);
CREATE INDEX flags_person ON flags(person_id);
CREATE INDEX flags_status_review ON flags(status, review_due);

CREATE TABLE flag_history (
	flag_id    TEXT NOT NULL REFERENCES flags(id),
	version    INTEGER NOT NULL,
	action     TEXT NOT NULL,
	actor_id   TEXT NOT NULL,
	actor_name TEXT NOT NULL,
	at         INTEGER NOT NULL,
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
	PRIMARY KEY (flag_id, version)
);
