/* The audit trail: entries (JSON or CSV), and its verification. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_audit.h"
#include "api_ctx.h"
#include "api_input.h"
#include "api_reply.h"
#include "csv.h"
#include "quarter.h"

/* An integer's digits in buf, or NULL for anything else (an empty cell). */
static const char *
integer_text(const json_t *v, char buf[32])
{
  if (!json_is_integer(v))
    return NULL;
  snprintf(buf, 32, "%lld", (long long)json_integer_value(v));
  return buf;
}

/* One CSV line per entry (RFC 4180, through the one CSV writer, which
 * neutralises cells that a spreadsheet would run as formulas), before/after
 * as JSON text, and "altered": what is wrong with an entry whose stored
 * values ragboard never writes, empty for the others. */
static enum rb_err
reply_csv(struct api_ctx *c, json_t *items, char *next)
{
  static const char *const cols[] = {
    "id",     "at",         "actor_token_id", "actor_name", "actor_role", "actor_organisation",
    "action", "entity",     "entity_id",      "code",       "quarter",    "before",
    "after",  "request_id", "hash",           "altered",    NULL};
  struct csv_out out = {NULL, 0, 0, false, false};
  size_t len = 0, i;
  char *body;
  json_t *e;

  for (size_t k = 0; cols[k] != NULL; k++)
    csv_text(&out, cols[k]);
  csv_end_row(&out);
  json_array_foreach(items, i, e)
  {
    json_t *actor = json_object_get(e, "actor");
    const json_t *before = json_object_get(e, "before"), *after = json_object_get(e, "after");
    char *btext = json_is_null(before) ? NULL : json_dumps(before, JSON_COMPACT | JSON_ENCODE_ANY);
    char *atext = json_is_null(after) ? NULL : json_dumps(after, JSON_COMPACT | JSON_ENCODE_ANY);
    char id[32], tid[32], eid[32];
    json_t *problems = json_object_get(e, "problems"), *p;
    char *altered = NULL;
    size_t k, alen = 0;
    json_array_foreach(problems, k, p) alen += json_string_length(p) + 2;
    if (alen > 0 && (altered = calloc(1, alen + 1)) != NULL)
      json_array_foreach(problems, k, p)
      {
        if (k > 0)
          strcat(altered, "; ");
        strcat(altered, json_string_value(p));
      }
    csv_number(&out, integer_text(json_object_get(e, "id"), id));
    csv_text(&out, json_string_value(json_object_get(e, "at")));
    csv_number(&out, integer_text(json_object_get(actor, "token_id"), tid));
    csv_text(&out, json_string_value(json_object_get(actor, "name")));
    csv_text(&out, json_string_value(json_object_get(actor, "role")));
    csv_text(&out, json_string_value(json_object_get(actor, "organisation")));
    csv_text(&out, json_string_value(json_object_get(e, "action")));
    csv_text(&out, json_string_value(json_object_get(e, "entity")));
    csv_number(&out, integer_text(json_object_get(e, "entity_id"), eid));
    csv_text(&out, json_string_value(json_object_get(e, "code")));
    csv_text(&out, json_string_value(json_object_get(e, "quarter")));
    /* an altered before/after that is not JSON is listed as its text */
    csv_text(&out, json_is_string(before) ? json_string_value(before) : btext);
    csv_text(&out, json_is_string(after) ? json_string_value(after) : atext);
    csv_text(&out, json_string_value(json_object_get(e, "request_id")));
    csv_text(&out, json_string_value(json_object_get(e, "hash")));
    csv_text(&out, altered);
    csv_end_row(&out);
    free(altered);
    free(btext);
    free(atext);
  }
  json_decref(items);
  if (next != NULL) {
    char *cursor = NULL;

    if (util_cursor_encode(next, &cursor) == RB_OK) {
      char link[256];

      snprintf(link, sizeof(link), "%s", cursor);
      rb_response_header(c->resp, "X-Next-Cursor", link);
    }
    free(cursor);
    free(next);
  }
  if ((body = csv_finish(&out, &len)) == NULL)
    return RB_ERR_NOMEM;
  rb_response_drop_body(c->resp);
  c->resp->body = body;
  c->resp->body_len = len;
  c->resp->status = 200;
  c->resp->content_type = "text/csv; charset=utf-8";
  return RB_OK;
}

/* Every action and entity ragboard writes into the trail: a filter on
 * anything else is a typo, and answers 400 naming these, not an empty page
 * that reads as "no such changes". */
static const char *const audit_actions[] = {"organisation.create",
                                            "organisation.update",
                                            "organisation.delete",
                                            "organisation.import",
                                            "group.create",
                                            "group.update",
                                            "group.delete",
                                            "group.import",
                                            "priority.create",
                                            "priority.update",
                                            "priority.delete",
                                            "priority.import",
                                            "milestone.create",
                                            "milestone.update",
                                            "milestone.delete",
                                            "milestone.import",
                                            "kpi.create",
                                            "kpi.update",
                                            "kpi.delete",
                                            "kpi.import",
                                            "update.put",
                                            "update.delete",
                                            "update.import",
                                            "reading.put",
                                            "reading.delete",
                                            "reading.import",
                                            "quarter.update",
                                            "quarter.unlock",
                                            "quarter.import",
                                            "token.create",
                                            "token.revoke",
                                            "import",
                                            "submission",
                                            "audit.keyed",
                                            "audit.rotate-key",
                                            "month.put",
                                            "month.delete",
                                            "month.import",
                                            NULL};
static const char *const audit_entities[] = {
  "organisation", "group", "priority", "milestone",  "kpi",   "milestone_update", "kpi_reading",
  "quarter",      "token", "dataset",  "submission", "audit", "kpi_month",        NULL};

static bool
listed(const char *const *names, const char *v)
{
  for (size_t i = 0; names[i] != NULL; i++)
    if (strcmp(names[i], v) == 0)
      return true;
  return false;
}

/* 400: name is not one of names. */
static enum rb_err
not_listed(struct api_ctx *c, const char *param, const char *v, const char *const *names)
{
  size_t used;

  api_field_error(c, param, "%.40s is not one ragboard records", v);
  used = (size_t)snprintf(c->detail, sizeof(c->detail),
                          "%s %.40s is not one ragboard records; use one of", param, v);
  for (size_t i = 0; names[i] != NULL && used < sizeof(c->detail); i++)
    used += (size_t)snprintf(c->detail + used, sizeof(c->detail) - used, "%s %s", i > 0 ? "," : "",
                             names[i]);
  return RB_ERR_BAD_REQUEST;
}

/* 400 for an actor that is no token's id: name the ids there are (as
 * ranges), except to a submitter, who sees only its own organisation. */
static enum rb_err
unknown_actor(struct api_ctx *c, const char *actor)
{
  struct store_page pg = {.limit = 500, .after = NULL};
  int64_t first = 0, last = 0;
  size_t used = (size_t)snprintf(c->detail, sizeof(c->detail),
                                 "actor must be the id of an existing token; no token has id "
                                 "%.24s",
                                 actor);
  json_t *items;
  char *next = NULL;
  bool any = false;

  if (c->actor.role == AUTH_SUBMITTER)
    return RB_ERR_BAD_REQUEST;
  do {
    size_t i;
    json_t *t;

    if (store_token_list(c->st, &pg, &items, &next) != RB_OK)
      break;
    json_array_foreach(items, i, t)
    {
      int64_t id = json_integer_value(json_object_get(t, "id"));

      if (any && id == last + 1) {
        last = id;
        continue;
      }
      if (any && used < sizeof(c->detail))
        used += (size_t)snprintf(c->detail + used, sizeof(c->detail) - used,
                                 first == last ? "%lld, " : "%lld-%lld, ", (long long)first,
                                 (long long)last);
      else if (!any && used < sizeof(c->detail))
        used += (size_t)snprintf(c->detail + used, sizeof(c->detail) - used, " (token ids: ");
      first = last = id;
      any = true;
    }
    json_decref(items);
    free((char *)pg.after);
    pg.after = next;
  } while (next != NULL);
  free((char *)pg.after);
  if (any && used < sizeof(c->detail))
    snprintf(c->detail + used, sizeof(c->detail) - used, first == last ? "%lld)" : "%lld-%lld)",
             (long long)first, (long long)last);
  else if (!any && used < sizeof(c->detail))
    snprintf(c->detail + used, sizeof(c->detail) - used, " (there are no tokens)");
  return RB_ERR_BAD_REQUEST;
}

enum rb_err
api_audit_list(struct api_ctx *c)
{
  static const char *const allowed[] = {"since",  "until", "actor",   "organisation",
                                        "entity", "code",  "quarter", "action",
                                        "format", "limit", "cursor",  NULL};
  struct store_audit_filter f;
  struct store_page pg;
  const char *format = api_query(c, "format"), *actor = api_query(c, "actor");
  char key[64], since[UTIL_TIME_LEN], until[UTIL_TIME_LEN];
  json_t *items;
  char *next;
  enum rb_err err;

  if ((err = api_query_allow(c, allowed)) != RB_OK ||
      (err = api_page(c, &pg, key, sizeof(key))) != RB_OK)
    return err;
  memset(&f, 0, sizeof(f));
  f.since = api_query(c, "since");
  f.until = api_query(c, "until");
  /* Compared as text with the stored times, so first put in their form. */
  if (f.since != NULL && !util_parse_time(f.since, since))
    api_field_error(c, "since", "must be a date (2018-08-22) or an RFC 3339 UTC time");
  if (f.until != NULL && !util_parse_time(f.until, until))
    api_field_error(c, "until", "must be a date (2018-08-22) or an RFC 3339 UTC time");
  if (api_field_failed(c, "since") || api_field_failed(c, "until"))
    return api_fail(c, RB_ERR_BAD_REQUEST,
                    "since and until must be dates (2018-08-22) or RFC 3339 UTC times"
                    " (2018-08-22T10:30:00Z)");
  f.since = f.since != NULL ? since : NULL;
  f.until = f.until != NULL ? until : NULL;
  f.organisation = api_query(c, "organisation");
  f.entity = api_query(c, "entity");
  f.code = api_query(c, "code");
  f.quarter = api_query(c, "quarter");
  f.action = api_query(c, "action");
  if (f.quarter != NULL) {
    /* A typo must not read as "no changes in that quarter". */
    struct quarter parsed;
    const char *msg = quarter_parse(f.quarter, &parsed);

    if (msg != NULL) {
      api_field_error(c, "quarter", "%s", msg);
      return api_fail(c, RB_ERR_BAD_REQUEST, "quarter %s", msg);
    }
  }
  if (f.action != NULL && !listed(audit_actions, f.action))
    return not_listed(c, "action", f.action, audit_actions);
  if (f.entity != NULL && !listed(audit_entities, f.entity))
    return not_listed(c, "entity", f.entity, audit_entities);
  if (actor != NULL) {
    json_t *token = NULL;

    if (!util_parse_int64(actor, &f.actor))
      return api_fail(c, RB_ERR_BAD_REQUEST,
                      "actor must be a token id (changes from the command line have none)");
    err = store_token_get(c->st, f.actor, &token);
    json_decref(token);
    if (err == RB_ERR_NOT_FOUND)
      return unknown_actor(c, actor);
    if (err != RB_OK)
      return api_store_fail(c, err, "token");
    f.has_actor = true;
  }
  if (format != NULL && strcmp(format, "json") != 0 && strcmp(format, "csv") != 0)
    return api_fail(c, RB_ERR_BAD_REQUEST, "format must be json or csv");
  /* Submitters see their own organisation's entries only: another
   * organisation's filter leaves nothing, it does not widen the view. */
  if (c->actor.role == AUTH_SUBMITTER && f.organisation != NULL &&
      strcmp(f.organisation, c->actor.org) != 0) {
    items = json_array();
    next = NULL;
  } else {
    if (c->actor.role == AUTH_SUBMITTER)
      f.organisation = c->actor.org;
    err = store_audit_list(c->st, &f, &pg, &items, &next);
    if (err != RB_OK)
      return api_store_fail(c, err, "audit trail");
  }
  if (format != NULL && strcmp(format, "csv") == 0)
    return reply_csv(c, items, next);
  return api_reply_list(c, items, next);
}

/* A head hash as the server prints it: 64 lowercase hex digits. */
static bool
is_hash(const char *s)
{
  size_t n = 0;

  for (; s[n] != '\0'; n++)
    if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
      return false;
  return n == 64;
}

/* anchor_id + anchor_hash: a head an earlier verification answered. A
 * hash chain cannot show entries cut from its end by itself; the auditor's
 * copy of an earlier head can. state=true: reconcile the stored data with
 * the trail too. */
enum rb_err
api_audit_verify(struct api_ctx *c)
{
  static const char *const allowed[] = {"anchor_id", "anchor_hash", "state", NULL};
  const char *aid = api_query(c, "anchor_id"), *ahash = api_query(c, "anchor_hash");
  const char *state = api_query(c, "state");
  struct store_audit_check chk = {0, NULL, false};
  json_t *out = NULL;
  enum rb_err err;

  if ((err = api_query_allow(c, allowed)) != RB_OK)
    return err;
  if ((aid == NULL) != (ahash == NULL))
    return api_fail(c, RB_ERR_BAD_REQUEST, "anchor_id and anchor_hash go together");
  if (aid != NULL && (!util_parse_int64(aid, &chk.anchor_id) || chk.anchor_id < 1))
    return api_fail(c, RB_ERR_BAD_REQUEST, "anchor_id must be an entry id (1 or more)");
  if (ahash != NULL && !is_hash(ahash))
    return api_fail(c, RB_ERR_BAD_REQUEST,
                    "anchor_hash must be an entry's hash (64 lowercase hex digits)");
  if (state != NULL && strcmp(state, "true") != 0 && strcmp(state, "false") != 0)
    return api_fail(c, RB_ERR_BAD_REQUEST, "state must be true or false");
  chk.anchor_hash = ahash;
  chk.state = state != NULL && strcmp(state, "true") == 0;
  err = store_audit_verify(c->st, &chk, &out);
  if (err != RB_OK)
    return api_store_fail(c, err, "audit trail");
  return api_reply(c, 200, out);
}
