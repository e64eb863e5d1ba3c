-- 0002: in-app notifications to users (a flag looked up, a child missing
-- again, a deadline passed). Delivery by e-mail is separate and pluggable.
CREATE TABLE notifications (
	id          TEXT PRIMARY KEY,
	user_id     TEXT NOT NULL REFERENCES users(id),
	kind        TEXT NOT NULL,
	subject_id  TEXT NOT NULL DEFAULT '',
	object_type TEXT NOT NULL DEFAULT '',
	object_id   TEXT NOT NULL DEFAULT '',
	title       TEXT NOT NULL,
	body        TEXT NOT NULL DEFAULT '',
	link        TEXT NOT NULL DEFAULT '',
	created_at  BIGINT NOT NULL,
	read_at     BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX notifications_user ON notifications(user_id, read_at, created_at);
