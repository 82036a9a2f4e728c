-- 0006: KPI series across plan years, monthly values and SPC settings
-- (issue 18). Never edit this file once it has landed: add a new numbered
-- migration.

-- The KPI of an earlier plan year this one continues (its series runs on
-- through it). A KPI is continued by at most one later KPI, so a series is
-- a chain, never a tree; one that is continued cannot be deleted.
ALTER TABLE kpi ADD COLUMN continues_id INTEGER REFERENCES kpi (id) ON DELETE RESTRICT;
CREATE UNIQUE INDEX kpi_continued_once ON kpi (continues_id) WHERE continues_id IS NOT NULL;

-- monthly: the KPI takes monthly values besides its quarterly readings
-- (the quarterly reading stays the rated figure).
ALTER TABLE kpi ADD COLUMN frequency TEXT NOT NULL DEFAULT 'quarterly'
  CHECK (frequency IN ('quarterly', 'monthly'));

-- The KPI's SPC settings (shift_points, trend_points, minimum_points,
-- baseline_points, recalculate_from), validated by the API; NULL: Making
-- Data Count's defaults.
ALTER TABLE kpi ADD COLUMN spc TEXT
  CHECK (spc IS NULL OR (json_valid(spc) AND json_type(spc) = 'object'));

-- A monthly KPI's values, one per (KPI, month 'YYYY-MM'). quarter is the
-- month's quarter ('2018-19-Q1' for 2018-04 to 2018-06), kept for the
-- quarter's window and the audit trail's buckets.
CREATE TABLE kpi_month (
  id         INTEGER PRIMARY KEY,
  kpi_id     INTEGER NOT NULL REFERENCES kpi (id) ON DELETE RESTRICT,
  month      TEXT NOT NULL,
  quarter    TEXT NOT NULL,
  value      REAL,
  value_text TEXT,
  comment    TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  updated_by TEXT NOT NULL,
  UNIQUE (kpi_id, month)
);
CREATE INDEX kpi_month_by_quarter ON kpi_month (quarter);
