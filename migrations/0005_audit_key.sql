-- 0005: a keyed audit trail.
-- Never edit this file once it has landed: add a new numbered migration.
--
-- key_id: the id of the key whose HMAC-SHA-256 is the entry's hash (see
-- include/audit_key.h); NULL for an entry hashed with plain SHA-256, as
-- every entry was before this migration. `ragboard migrate` keys the trail
-- right after it: from then on every entry is keyed.
ALTER TABLE audit ADD COLUMN key_id TEXT;
