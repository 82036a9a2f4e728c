/* The SQL of milestone and KPI items, shared by their lists and gets
 * (store_milestone.c, store_kpi.c: columns that store_row turns into
 * jansson values) and the quarter views (store_view.c: the same members
 * written as JSON text by SQLite's json_object). The two forms of each
 * item sit side by side here so that a member added to one is added to
 * the other; tests/test_view_store.c checks that they agree, item by
 * item. Private to the store. */
#ifndef RAGBOARD_STORE_ITEM_SQL_H
#define RAGBOARD_STORE_ITEM_SQL_H

/* ---- KPIs (k; g its group, o its owner, pk the KPI it continues) ---- */

#define KPI_FROM                                   \
  " FROM kpi k JOIN tgroup g ON g.id = k.group_id" \
  " LEFT JOIN organisation o ON o.id = k.owner_id" \
  " LEFT JOIN kpi pk ON pk.id = k.continues_id"
#define KPI_PRIORITIES                                                                     \
  "(SELECT json_group_array(number) FROM (SELECT number FROM kpi_priority WHERE kpi_id = " \
  "k.id ORDER BY number))"
#define KPI_SELECT                                                                            \
  "SELECT k.id, k.year, k.code, g.code AS \"group\", " KPI_PRIORITIES " AS priorities__json," \
  " k.description, k.direction, k.unit, k.target, k.target_text,"                             \
  " k.quarterly_targets AS quarterly_targets__json,"                                          \
  " json_object('mode', k.tolerance_mode, 'value', k.tolerance_value) AS tolerance__json,"    \
  " o.code AS owner, k.source, k.created_at, k.updated_at,"                                   \
  " CASE WHEN pk.id IS NULL THEN 'null'"                                                      \
  "  ELSE json_object('year', pk.year, 'code', pk.code) END AS continues__json,"              \
  " k.frequency, coalesce(k.spc, 'null') AS spc__json" KPI_FROM
/* Stored with 17 significant digits (25.359999999999999), written with
 * 15 (25.36) as store_row's values are: re-read, not copied. */
#define KPI_QUARTERLY_TARGETS                                 \
  "CASE WHEN k.quarterly_targets = '{}' THEN json('{}') ELSE" \
  " json((SELECT json_group_object(key, value) FROM json_each(k.quarterly_targets))) END"
#define KPI_JSON                                                                                 \
  "json_object('id', k.id, 'year', k.year, 'code', k.code, 'group', g.code,"                     \
  " 'priorities', json(" KPI_PRIORITIES "), 'description', k.description,"                       \
  " 'direction', k.direction, 'unit', k.unit, 'target', k.target, 'target_text', k.target_text," \
  " 'quarterly_targets', " KPI_QUARTERLY_TARGETS ","                                             \
  " 'tolerance', json_object('mode', k.tolerance_mode, 'value', k.tolerance_value),"             \
  " 'owner', o.code, 'source', k.source, 'created_at', k.created_at,"                            \
  " 'updated_at', k.updated_at, 'continues', CASE WHEN pk.id IS NULL THEN NULL"                  \
  "  ELSE json_object('year', pk.year, 'code', pk.code) END,"                                    \
  " 'frequency', k.frequency, 'spc', json(k.spc))"
/* A list's filters: ?1 year, ?2 group code, ?3 priority, ?4 owner, ?5
 * code, ?6 the cursor (the last id shown), ?7 the page size plus one. */
#define KPI_LIST_WHERE " WHERE (?1 IS NULL OR k.year = ?1) AND (?2 IS NULL OR g.code = ?2)"
/* The dashboard's list (a year and a group): equalities the planner can
 * take to the (year, group_id) index, whose entries are in id order. */
#define KPI_GROUP_WHERE \
  " WHERE k.year = ?1 AND k.group_id = (SELECT id FROM tgroup WHERE code = ?2)"
#define KPI_LIST_REST                                                                \
  " AND (?3 IS NULL OR EXISTS (SELECT 1 FROM kpi_priority kp WHERE kp.kpi_id = k.id" \
  "   AND kp.number = ?3))"                                                          \
  " AND (?4 IS NULL OR o.code = ?4) AND (?5 IS NULL OR k.code = ?5)"                 \
  " AND (?6 IS NULL OR k.id > ?6) ORDER BY k.id LIMIT ?7"

/* A reading r of KPI k, as store_reading_get answers it. */
#define READING_JSON(r)                                                                        \
  "json_object('kpi_id', " r ".kpi_id, 'kpi_code', k.code, 'quarter', " r ".quarter,"          \
  " 'value', " r ".value, 'value_text', " r ".value_text, 'rating', " r ".rating,"             \
  " 'comment', " r ".comment, 'created_at', " r ".created_at, 'updated_at', " r ".updated_at," \
  " 'updated_by', " r ".updated_by)"

/* ---- milestones (m; g its group, o its owner) ---- */

#define MILESTONE_FROM                                   \
  " FROM milestone m JOIN tgroup g ON g.id = m.group_id" \
  " LEFT JOIN organisation o ON o.id = m.owner_id"
#define MILESTONE_SELECT                                                             \
  "SELECT m.id, m.year, m.code, g.code AS \"group\", m.priority_number AS priority," \
  " m.description, m.target_quarter, m.target_text, o.code AS owner,"                \
  " m.created_at, m.updated_at" MILESTONE_FROM
#define MILESTONE_JSON                                                                  \
  "json_object('id', m.id, 'year', m.year, 'code', m.code, 'group', g.code,"            \
  " 'priority', m.priority_number, 'description', m.description,"                       \
  " 'target_quarter', m.target_quarter, 'target_text', m.target_text, 'owner', o.code," \
  " 'created_at', m.created_at, 'updated_at', m.updated_at)"
/* The filters, as KPI_LIST_*. */
#define MILESTONE_LIST_WHERE " WHERE (?1 IS NULL OR m.year = ?1) AND (?2 IS NULL OR g.code = ?2)"
/* A year and a group: equalities the planner takes to milestone_by_group. */
#define MILESTONE_GROUP_WHERE \
  " WHERE m.year = ?1 AND m.group_id = (SELECT id FROM tgroup WHERE code = ?2)"
#define MILESTONE_LIST_REST                                                     \
  " AND (?3 IS NULL OR m.priority_number = ?3) AND (?4 IS NULL OR o.code = ?4)" \
  " AND (?5 IS NULL OR m.code = ?5) AND (?6 IS NULL OR m.id > ?6)"              \
  " ORDER BY m.id LIMIT ?7"

/* An update u of milestone m, as store_update_get answers it. */
#define UPDATE_JSON(u)                                                                \
  "json_object('milestone_id', " u ".milestone_id, 'milestone_code', m.code,"         \
  " 'quarter', " u ".quarter, 'status', " u ".status, 'comment', " u ".comment,"      \
  " 'created_at', " u ".created_at, 'updated_at', " u ".updated_at, 'updated_by', " u \
  ".updated_by)"

#endif
