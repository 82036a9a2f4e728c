-- 0002: the quarterly cycle: quarters, milestone updates and KPI readings.
-- Never edit this file once it has landed: add a new numbered migration.

CREATE TABLE quarter (
  id                 TEXT PRIMARY KEY,  -- 'YYYY-YY-Qn'
  delivery_team_date TEXT,
  place_board_date   TEXT,
  state              TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed', 'locked')),
  created_at         TEXT NOT NULL,
  updated_at         TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE milestone_update (
  id           INTEGER PRIMARY KEY,
  milestone_id INTEGER NOT NULL REFERENCES milestone (id) ON DELETE RESTRICT,
  quarter      TEXT NOT NULL,
  status       TEXT NOT NULL CHECK (status IN ('BR', 'B', 'G', 'A', 'R', 'TBC')),
  comment      TEXT,
  created_at   TEXT NOT NULL,
  updated_at   TEXT NOT NULL,
  updated_by   TEXT NOT NULL,
  UNIQUE (milestone_id, quarter)
);
CREATE INDEX milestone_update_by_quarter ON milestone_update (quarter);

CREATE TABLE kpi_reading (
  id         INTEGER PRIMARY KEY,
  kpi_id     INTEGER NOT NULL REFERENCES kpi (id) ON DELETE RESTRICT,
  quarter    TEXT NOT NULL,
  value      REAL,
  value_text TEXT,
  rating     TEXT CHECK (rating IN ('G', 'A', 'R', 'TBC')),
  comment    TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  updated_by TEXT NOT NULL,
  UNIQUE (kpi_id, quarter)
);
CREATE INDEX kpi_reading_by_quarter ON kpi_reading (quarter);
