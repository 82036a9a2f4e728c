/* Quarter views of the items: GET /api/v1/milestones?quarter=Q and
 * /api/v1/kpis?quarter=Q (issue 18, section 1), with the lists' filters
 * and pages. Each item comes with its update or reading for Q inline
 * ("update" / "reading", null when there is none, and "reported": false
 * then, so a dashboard tells "reported TBC" from "not reported") and the
 * previous one in its series ("previous"): a milestone's update for the
 * quarter before Q, with the status change; a KPI's latest earlier reading
 * with a value in its series across plan years, against which its
 * direction of travel is judged.
 *
 * Without ?year the items are the quarter's own plan year's. A view shows
 * reference data and that plan year's updates and readings (a figure of a
 * KPI in a chain moves the version of every plan year of the chain), so
 * it is cached per those two versions, like summaries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_cache.h"
#include "api_ctx.h"
#include "api_input.h"
#include "api_quarter_view.h"
#include "api_reply.h"
#include "domain.h"
#include "quarter.h"
#include "store_view.h"
#include "textbuf.h"
#include "util.h"

struct view {
  bool kpi;
  struct store_filter f;
  struct store_page pg;
  char quarter[QUARTER_LEN];
  char prev_quarter[QUARTER_LEN];
  char year[YEAR_LEN];
};

/* The view's page as text: each item's object from the store with the
 * members computed here (ratings, direction of travel, status change)
 * added before its closing brace. The store's texts are compact objects
 * ("{...}"), and what is added here is codes and names (ASCII letters)
 * or jansson's own text, so the page stays the JSON a jansson-built
 * answer would be. */

/* Write object text t of p without its closing brace. */
static void
open_object(struct textbuf *b, const struct store_view_page *p, struct store_view_text t)
{
  textbuf_add(b, store_view_text_of(p, t), t.len - 1);
}

/* ,"key":"code" or ,"key":null (code NULL). */
static void
add_code(struct textbuf *b, const char *key, const char *code)
{
  textbuf_lit(b, ",\"");
  textbuf_lit(b, key);
  if (code != NULL) {
    textbuf_lit(b, "\":\"");
    textbuf_lit(b, code);
    textbuf_lit(b, "\"");
  } else {
    textbuf_lit(b, "\":null");
  }
}

/* A reading's ratings, as domain_reading_rate adds them. */
static void
add_rating(struct textbuf *b, const struct store_view_figure *fig)
{
  struct domain_rating r = domain_rating_of(&fig->rule, fig->has_value, fig->value, fig->rating);

  add_code(b, "computed_rating", r.computed != RAG_NONE ? rag_code(r.computed) : NULL);
  add_code(b, "effective_rating", rag_code(r.effective));
  textbuf_lit(b,
              r.disagreement ? ",\"rating_disagreement\":true" : ",\"rating_disagreement\":false");
}

/* A KPI with its reading for the quarter, rated, and the previous point in
 * its series, rated too, against which the direction of travel is judged. */
static void
kpi_at(struct textbuf *b, const struct store_view_page *p, const struct store_view_row *row)
{
  const struct store_view_figure *cur = &row->figure, *prev = &row->previous_figure;
  struct trend_value pv = {prev->has_value, prev->value}, cv = {cur->has_value, cur->value};

  textbuf_lit(b, ",\"reading\":");
  if (row->record.len > 0) {
    open_object(b, p, row->record);
    add_rating(b, cur);
    add_code(b, "direction_of_travel",
             trend_travel_name(
               domain_travel_between(&cur->rule, row->previous.len > 0 ? &pv : NULL, &cv)));
    textbuf_lit(b, "}");
  } else {
    textbuf_lit(b, "null");
  }
  textbuf_lit(b, ",\"previous\":");
  if (row->previous.len > 0) {
    open_object(b, p, row->previous);
    add_rating(b, prev);
    textbuf_lit(b, "}");
  } else {
    textbuf_lit(b, "null");
  }
}

/* An update's status change against the quarter before's, as
 * trend_status_change_json writes it. */
static void
add_status_change(struct textbuf *b, const char *previous, const char *current)
{
  enum rag_status p = domain_status_of(previous[0] != '\0' ? previous : NULL);
  enum rag_status c = domain_status_of(current);
  char text[TREND_CHANGE_LEN];
  enum trend_travel t;

  if (!trend_status_change(p, c, text, &t)) {
    textbuf_lit(b, ",\"status_change\":null");
    return;
  }
  textbuf_lit(b, ",\"status_change\":{\"from\":\"");
  textbuf_lit(b, rag_code(p));
  textbuf_lit(b, "\"");
  add_code(b, "to", rag_code(c));
  add_code(b, "text", text); /* two codes and an arrow */
  add_code(b, "travel", trend_travel_name(t));
  textbuf_lit(b, "}");
}

/* A milestone with its update for the quarter, with the status change
 * against the quarter before's, and that one. */
static void
milestone_at(struct textbuf *b, const struct store_view_page *p, const struct store_view_row *row)
{
  textbuf_lit(b, ",\"update\":");
  if (row->record.len > 0) {
    open_object(b, p, row->record);
    add_status_change(b, row->previous_status, row->status);
    textbuf_lit(b, "}");
  } else {
    textbuf_lit(b, "null");
  }
  textbuf_lit(b, ",\"previous\":");
  if (row->previous.len > 0)
    textbuf_add(b, store_view_text_of(p, row->previous), row->previous.len);
  else
    textbuf_lit(b, "null");
}

/* {"items": [...], "next": cursor | null} from page p, as api_reply_list
 * writes a list page. */
static enum rb_err
reply_page(struct api_ctx *c, const struct view *v, const struct store_view_page *p)
{
  struct textbuf b = TEXTBUF_INIT;
  enum rb_err err = RB_OK;
  char *cursor = NULL, *body;
  size_t len;

  if (p->next != NULL && (err = util_cursor_encode(p->next, &cursor)) != RB_OK)
    return err;
  textbuf_lit(&b, "{\"items\":[");
  for (size_t i = 0; i < p->n; i++) {
    const struct store_view_row *row = &p->rows[i];

    if (i > 0)
      textbuf_lit(&b, ",");
    open_object(&b, p, row->item);
    /* the quarter is one quarter_format wrote: digits, '-' and 'Q' */
    add_code(&b, "quarter", v->quarter);
    textbuf_lit(&b, row->record.len > 0 ? ",\"reported\":true" : ",\"reported\":false");
    if (v->kpi)
      kpi_at(&b, p, row);
    else
      milestone_at(&b, p, row);
    textbuf_lit(&b, "}");
  }
  /* the cursor is URL-safe base64: letters, digits, '-' and '_' */
  if (cursor != NULL)
    textbuf_printf(&b, "],\"next\":\"%s\"}\n", cursor);
  else
    textbuf_lit(&b, "],\"next\":null}\n");
  free(cursor);
  body = textbuf_finish(&b, &len);
  return api_reply_raw(c, 200, "application/json", body, len);
}

static enum rb_err
build(struct api_ctx *c, const void *arg)
{
  const struct view *v = arg;
  struct store_view_page page;
  enum rb_err err =
    v->kpi ? store_kpi_view(c->st, &v->f, &v->pg, v->quarter, &page)
           : store_milestone_view(c->st, &v->f, &v->pg, v->quarter, v->prev_quarter, &page);

  if (err != RB_OK)
    return api_store_fail(c, err, "the quarter view");
  err = reply_page(c, v, &page);
  store_view_page_free(&page);
  return err;
}

enum rb_err
api_quarter_view(struct api_ctx *c, bool kpi, const char *const *params)
{
  struct view v;
  const struct api_cached spec = {'l', -1, v.year, NULL, "the quarter view", NULL, build, &v};
  char cursor[64], key[512];
  struct quarter q;
  const char *msg;
  int64_t after;
  enum rb_err err;

  memset(&v, 0, sizeof(v));
  v.kpi = kpi;
  if ((err = api_query_allow(c, params)) != RB_OK)
    return err;
  (void)api_filter(c, &v.f); /* its errors are answered by api_page, with any of ours */
  msg = quarter_parse(api_query(c, "quarter"), &q);
  if (msg != NULL) {
    api_field_error(c, "quarter", "%s", msg);
  } else {
    quarter_format(q, v.quarter);
    quarter_format(quarter_previous(q), v.prev_quarter);
    quarter_format_year(q.start_year, v.year);
  }
  /* The items of the quarter's own plan year unless ?year says which. */
  if (v.f.year != NULL && !api_field_failed(c, "year"))
    snprintf(v.year, sizeof(v.year), "%s", v.f.year);
  v.f.year = v.year;
  if ((err = api_page(c, &v.pg, cursor, sizeof(cursor))) != RB_OK)
    return err;
  if (v.pg.after != NULL && (!util_parse_int64(v.pg.after, &after) || after < 1))
    return api_fail(c, RB_ERR_BAD_REQUEST, "cursor is not one this server issued");
  return api_cached(c, api_url_key(c, key, sizeof(key)), &spec);
}
