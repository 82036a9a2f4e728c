-- 0003: the append-only, hash-chained audit trail.
-- Never edit this file once it has landed: add a new numbered migration.

CREATE TABLE audit (
  id          INTEGER PRIMARY KEY,
  at          TEXT NOT NULL,              -- RFC 3339 UTC, milliseconds
  actor_id    INTEGER,                    -- token id; NULL for the command line
  actor_name  TEXT NOT NULL,
  actor_role  TEXT NOT NULL,
  actor_org   TEXT,
  action      TEXT NOT NULL,              -- e.g. milestone.create, reading.put
  entity      TEXT NOT NULL,              -- organisation, group, priority, ...
  entity_id   INTEGER,
  code        TEXT,
  quarter     TEXT,
  before      TEXT,                       -- canonical JSON or NULL
  after       TEXT,                       -- canonical JSON or NULL
  request_id  TEXT,
  prev_hash   TEXT NOT NULL,              -- hex SHA-256 of the previous entry ('' for the first)
  hash        TEXT NOT NULL               -- hex SHA-256(prev_hash || canonical JSON of this entry)
);
CREATE INDEX audit_by_quarter ON audit (quarter);
CREATE INDEX audit_by_org ON audit (actor_org);
CREATE INDEX audit_by_entity ON audit (entity, code);

-- The trail is append-only in the database itself, whoever connects.
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
  SELECT RAISE(ABORT, 'audit entries are append-only');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
  SELECT RAISE(ABORT, 'audit entries are append-only');
END;
