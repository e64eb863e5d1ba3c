-- 0008: a referral from a health flag to a support or recovery service,
-- when the child has an active case, is recorded as that case's service
-- referral (casework's record) and keeps the flag it came from.
ALTER TABLE service_referrals ADD COLUMN flag_id TEXT NOT NULL DEFAULT '';
CREATE INDEX service_referrals_flag ON service_referrals(flag_id) WHERE flag_id <> '';
