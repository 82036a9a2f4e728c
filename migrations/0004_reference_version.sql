-- 0004: a second change counter for reference data only (organisations,
-- groups, priorities, milestones, KPIs, quarters, tokens), so cached lists
-- survive the quarterly updates and readings that do not change them.
-- Never edit this file once it has landed: add a new numbered migration.
INSERT INTO meta (key, value) VALUES ('reference_version', 0);
