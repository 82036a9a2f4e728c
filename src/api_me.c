/* GET /api/v1/me: the token's own identity and what it may do with it, for
 * any token holder (a submitter cannot read its token's record, which is
 * admin-only): role, organisation, name, the quarters it may write now,
 * and the items its organisation owns. */
#include <stdio.h>
#include <string.h>

#include "api_ctx.h"
#include "api_partner.h"
#include "api_reply.h"

/* Items owned per plan year, from store_owned_counts' rows. */
static json_t *
owned_in(const json_t *years, const char *year, const char *kind)
{
  const json_t *y;
  size_t i;

  json_array_foreach(years, i, y)
  {
    if (strcmp(json_string_value(json_object_get(y, "year")), year) == 0)
      return json_integer(json_integer_value(json_object_get(y, kind)));
  }
  return json_integer(0);
}

/* The stored quarters the actor may write now: a submitter's open ones, an
 * admin's all but the locked; a viewer's none. With an organisation, each
 * says how many items it owns in the quarter's plan year. */
static json_t *
writable_quarters(const struct api_ctx *c, json_t *all, const json_t *years)
{
  json_t *out = json_array(), *q;
  size_t i;

  json_array_foreach(all, i, q)
  {
    const char *state = json_string_value(json_object_get(q, "state"));
    const char *id = json_string_value(json_object_get(q, "id"));
    char year[8];
    bool ok = (c->actor.role == AUTH_SUBMITTER && strcmp(state, "open") == 0) ||
              (c->actor.role == AUTH_ADMIN && strcmp(state, "locked") != 0);

    if (!ok || id == NULL || strlen(id) < 7)
      continue;
    snprintf(year, sizeof(year), "%.7s", id);
    q = json_pack("{s:s, s:s, s:O, s:O}", "id", id, "state", state, "delivery_team_date",
                  json_object_get(q, "delivery_team_date"), "place_board_date",
                  json_object_get(q, "place_board_date"));
    if (q == NULL)
      continue;
    if (c->actor.org[0] != '\0')
      json_object_set_new(q, "items",
                          json_pack("{s:o, s:o}", "milestones", owned_in(years, year, "milestones"),
                                    "kpis", owned_in(years, year, "kpis")));
    json_array_append_new(out, q);
  }
  return out;
}

enum rb_err
api_me(struct api_ctx *c)
{
  json_t *quarters = NULL, *years = NULL, *org = NULL, *out;
  json_int_t ms = 0, kpis = 0;
  const json_t *y;
  enum rb_err err;
  size_t i;

  if ((err = store_quarter_list(c->st, &quarters)) != RB_OK)
    goto fail;
  if (c->actor.org[0] != '\0' && (err = store_owned_counts(c->st, c->actor.org, &years)) != RB_OK)
    goto fail;
  if (c->actor.org[0] != '\0' && (err = store_org_get(c->st, c->actor.org, &org)) != RB_OK)
    goto fail;
  json_array_foreach(years, i, y)
  {
    ms += json_integer_value(json_object_get(y, "milestones"));
    kpis += json_integer_value(json_object_get(y, "kpis"));
  }
  out = json_pack("{s:s, s:I, s:s, s:s?, s:s?, s:o, s:{s:I, s:I, s:o}}", "role",
                  auth_role_name(c->actor.role), "token_id", (json_int_t)c->actor.token_id, "name",
                  c->actor.name, "organisation", c->actor.org[0] ? c->actor.org : NULL,
                  "organisation_name", json_string_value(json_object_get(org, "name")), "quarters",
                  writable_quarters(c, quarters, years), "owns", "milestones", ms, "kpis", kpis,
                  "years", years != NULL ? json_incref(years) : json_array());
  json_decref(quarters);
  json_decref(years);
  json_decref(org);
  return api_reply(c, 200, out);
fail:
  json_decref(quarters);
  json_decref(years);
  json_decref(org);
  return api_store_fail(c, err, "the token's description");
}
