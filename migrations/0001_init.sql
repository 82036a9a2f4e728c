-- 0001: reference data of the performance framework, and API tokens.
-- Never edit this file once it has landed: add a new numbered migration.

-- Bumped by every committed write, so readers can tell cheaply whether
-- anything changed since they last computed a summary.
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO meta (key, value) VALUES ('data_version', 0);

CREATE TABLE organisation (
  id         INTEGER PRIMARY KEY,
  code       TEXT NOT NULL UNIQUE,
  name       TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

-- "group" is an SQL keyword: transformation groups live in tgroup.
CREATE TABLE tgroup (
  id         INTEGER PRIMARY KEY,
  code       TEXT NOT NULL UNIQUE,
  name       TEXT NOT NULL,
  chairs     TEXT NOT NULL DEFAULT '[]'
             CHECK (json_valid(chairs) AND json_type(chairs) = 'array'),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE priority (
  id         INTEGER PRIMARY KEY,
  year       TEXT NOT NULL,
  group_id   INTEGER NOT NULL REFERENCES tgroup (id) ON DELETE RESTRICT,
  number     INTEGER NOT NULL CHECK (number >= 1),
  title      TEXT NOT NULL,
  long_title TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (year, group_id, number)
);

CREATE TABLE milestone (
  id              INTEGER PRIMARY KEY,
  year            TEXT NOT NULL,
  code            TEXT NOT NULL,
  group_id        INTEGER NOT NULL REFERENCES tgroup (id) ON DELETE RESTRICT,
  priority_number INTEGER NOT NULL,
  description     TEXT NOT NULL,
  target_quarter  TEXT,
  target_text     TEXT,
  owner_id        INTEGER REFERENCES organisation (id) ON DELETE RESTRICT,
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL,
  UNIQUE (year, code),
  FOREIGN KEY (year, group_id, priority_number)
    REFERENCES priority (year, group_id, number) ON DELETE RESTRICT ON UPDATE RESTRICT
);
CREATE INDEX milestone_by_group ON milestone (year, group_id, priority_number);
CREATE INDEX milestone_by_owner ON milestone (owner_id);

CREATE TABLE kpi (
  id                INTEGER PRIMARY KEY,
  year              TEXT NOT NULL,
  code              TEXT NOT NULL,
  group_id          INTEGER NOT NULL REFERENCES tgroup (id) ON DELETE RESTRICT,
  description       TEXT NOT NULL,
  direction         TEXT CHECK (direction IN ('increase', 'decrease', 'maintain')),
  unit              TEXT,
  target            REAL,
  target_text       TEXT,
  -- JSON object quarter id -> number; validated by the API before it lands here.
  quarterly_targets TEXT NOT NULL DEFAULT '{}'
                    CHECK (json_valid(quarterly_targets) AND json_type(quarterly_targets) = 'object'),
  tolerance_mode    TEXT NOT NULL DEFAULT 'relative' CHECK (tolerance_mode IN ('relative', 'absolute')),
  tolerance_value   REAL NOT NULL DEFAULT 2 CHECK (tolerance_value >= 0),
  owner_id          INTEGER REFERENCES organisation (id) ON DELETE RESTRICT,
  source            TEXT,
  created_at        TEXT NOT NULL,
  updated_at        TEXT NOT NULL,
  UNIQUE (year, code)
);
CREATE INDEX kpi_by_group ON kpi (year, group_id);
CREATE INDEX kpi_by_owner ON kpi (owner_id);

-- A KPI serves one or more priorities of its own group and year.
-- Primary key columns come first: SQLite 3.40's integrity_check reports
-- false NULLs in WITHOUT ROWID tables whose key order differs from the
-- column order.
CREATE TABLE kpi_priority (
  kpi_id   INTEGER NOT NULL REFERENCES kpi (id) ON DELETE CASCADE,
  number   INTEGER NOT NULL,
  year     TEXT NOT NULL,
  group_id INTEGER NOT NULL,
  PRIMARY KEY (kpi_id, number),
  FOREIGN KEY (year, group_id, number)
    REFERENCES priority (year, group_id, number) ON DELETE RESTRICT ON UPDATE RESTRICT
) WITHOUT ROWID;
CREATE INDEX kpi_priority_by_priority ON kpi_priority (year, group_id, number);

-- Bearer tokens: only a SHA-256 of the 256-bit secret is kept.
CREATE TABLE token (
  id           INTEGER PRIMARY KEY,
  name         TEXT NOT NULL,
  role         TEXT NOT NULL CHECK (role IN ('admin', 'submitter', 'viewer')),
  org_id       INTEGER REFERENCES organisation (id) ON DELETE RESTRICT,
  hash         BLOB NOT NULL UNIQUE,
  created_at   TEXT NOT NULL,
  last_used_at TEXT,
  revoked_at   TEXT,
  CHECK (role <> 'submitter' OR org_id IS NOT NULL)
);
