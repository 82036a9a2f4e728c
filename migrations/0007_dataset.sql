-- 0007: what a plan year's dataset file says about itself (issue 19: the
-- report's cover names the partnership by the dataset's title). Never edit
-- this file once it has landed: add a new numbered migration.

-- One row per plan year: the title of the last imported file that gave
-- one, as it was written, with when and by whom it was imported. A
-- re-import with a title replaces it; a file without leaves it alone.
CREATE TABLE dataset (
  year        TEXT PRIMARY KEY,
  title       TEXT NOT NULL,
  imported_at TEXT NOT NULL,
  imported_by TEXT NOT NULL
);
