/* What a return's rows refer to: each code resolved to an item of the
 * plan year (exactly, else ignoring case, which the answer notes), its
 * owner checked against the token, repeats named with the row they
 * repeat, statuses and values checked; an unknown code answered with the
 * nearest code there is ("did you mean"). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api_return.h"
#include "period.h"
#include "quarter.h"

#define NO_SUCH_HINT "check the code against your template (GET /api/v1/quarters/{q}/template)"

/* ---- "did you mean" ------------------------------------------------------------ */

/* A code compared as people misremember it: case and spaces ignored. */
static size_t
normalise(const char *s, char *out, size_t cap)
{
  size_t n = 0;

  for (; *s != '\0' && n + 1 < cap; s++)
    if (!isspace((unsigned char)*s))
      out[n++] = (char)tolower((unsigned char)*s);
  out[n] = '\0';
  return n;
}

/* Edit distance of two normalised codes, or 3 when it is more than 2. */
static unsigned
distance(const char *a, size_t la, const char *b, size_t lb)
{
  unsigned row[72];

  if (la > 64 || lb > 64 || (la > lb ? la - lb : lb - la) > 2)
    return 3;
  for (size_t j = 0; j <= lb; j++)
    row[j] = (unsigned)j;
  for (size_t i = 1; i <= la; i++) {
    unsigned diag = row[0], best;

    row[0] = (unsigned)i;
    best = row[0];
    for (size_t j = 1; j <= lb; j++) {
      unsigned up = row[j], v = diag + (a[i - 1] != b[j - 1]);

      if (up + 1 < v)
        v = up + 1;
      if (row[j - 1] + 1 < v)
        v = row[j - 1] + 1;
      diag = up;
      row[j] = v;
      if (v < best)
        best = v;
    }
    if (best > 2)
      return 3;
  }
  return row[lb] > 2 ? 3 : row[lb];
}

/* The code of kind kpi nearest to code: the same but for case and spaces,
 * else the one code (no tie) one or two edits away, and no more than a
 * third of its length. NULL when there is none. */
static const char *
nearest(const json_t *codes, bool kpi, const char *code)
{
  char want[72], have[72];
  size_t lw = normalise(code, want, sizeof(want)), i;
  const char *best = NULL;
  unsigned best_d = 3;
  bool tie = false;
  json_t *e;

  json_array_foreach(codes, i, e)
  {
    const char *c = json_string_value(json_object_get(e, "code"));
    bool is_kpi = strcmp(json_string_value(json_object_get(e, "kind")), "kpi") == 0;
    size_t lh;
    unsigned d;

    if (c == NULL || is_kpi != kpi)
      continue;
    lh = normalise(c, have, sizeof(have));
    d = distance(want, lw, have, lh);
    if (d > 0 && d * 3 > (lw > lh ? lw : lh))
      continue;
    if (d < best_d) {
      best = c;
      best_d = d;
      tie = false;
    } else if (d == best_d && d < 3) {
      tie = true;
    }
  }
  return best != NULL && !tie ? best : NULL;
}

static const json_t *
codes_of(struct api_ctx *c, struct parsed_return *pr, const char *year)
{
  if (pr->codes == NULL && store_item_codes(c->st, year, &pr->codes) != RB_OK)
    pr->codes = NULL; /* no suggestion, whatever went wrong: the error stands without it */
  return pr->codes;
}

static const char *
kind_name(bool kpi)
{
  return kpi ? "KPI" : "milestone";
}

/* The row's code names no item of its kind. */
static void
no_such_item(struct api_ctx *c, struct parsed_return *pr, struct row *r, const char *year)
{
  const json_t *codes = codes_of(c, pr, year);
  const char *same = nearest(codes, r->kpi, r->code), *other = nearest(codes, !r->kpi, r->code);
  char expected[96];

  snprintf(expected, sizeof(expected), "the code of a %s of plan year %s", kind_name(r->kpi), year);
  if (same != NULL)
    api_return_problem(c, pr, r, SHEET_CODE, r->code, expected, same,
                       "no %s %.64s in %s; did you mean %.64s?", kind_name(r->kpi), r->code, year,
                       same);
  else if (other != NULL)
    api_return_problem(
      c, pr, r, SHEET_KIND, r->kpi ? "kpi" : "milestone", "milestone or kpi",
      r->kpi ? "milestone" : "kpi", "no %s %.64s in %s, but %.64s is a %s: write %s as its kind",
      kind_name(r->kpi), r->code, year, other, kind_name(!r->kpi), r->kpi ? "milestone" : "kpi");
  else
    api_return_problem(c, pr, r, SHEET_CODE, r->code, expected, NULL,
                       "no %s %.64s in %s: " NO_SUCH_HINT, kind_name(r->kpi), r->code, year);
}

/* A spreadsheet row whose kind is empty or neither milestone nor kpi:
 * the kind its code has is the suggestion. */
static enum rb_err
unknown_kind(struct api_ctx *c, struct parsed_return *pr, struct row *r, const char *year)
{
  struct store_item_ref ref;
  const char *suggest = NULL;
  char why[128] = "";
  enum rb_err err;

  for (int k = 0; k < 2 && suggest == NULL; k++) {
    err = store_item_find(c->st, k == 1, year, r->code, &ref);
    if (err == RB_OK)
      suggest = k == 1 ? "kpi" : "milestone";
    else if (err != RB_ERR_NOT_FOUND && err != RB_ERR_CONFLICT)
      return err;
  }
  if (suggest != NULL)
    snprintf(why, sizeof(why), " (%.64s is a %s)", ref.code,
             kind_name(strcmp(suggest, "kpi") == 0));
  if (r->kind_cell == NULL)
    api_return_problem(c, pr, r, SHEET_KIND, NULL, "milestone or kpi", suggest,
                       "the kind is empty: write milestone or kpi%s", why);
  else
    api_return_problem(c, pr, r, SHEET_KIND, r->kind_cell, "milestone or kpi", suggest,
                       "\"%.40s\" is not a kind: write milestone or kpi%s", r->kind_cell, why);
  return RB_OK;
}

/* ---- one row ---------------------------------------------------------------------- */

#define MILESTONE_STATUSES "one of BR, B, G, A, R, TBC (or Brown, Blue, Green, Amber, Red)"
#define KPI_RATINGS "one of G, A, R, TBC (or Green, Amber, Red), or nothing"

static void
check_status(struct api_ctx *c, struct parsed_return *pr, struct row *r)
{
  r->parsed = RAG_NONE;
  if (r->kpi) {
    if (r->status != NULL && !rag_parse_kpi_rating(r->status, &r->parsed))
      api_return_problem(c, pr, r, SHEET_STATUS, r->status, KPI_RATINGS, NULL,
                         "\"%.40s\" is not a KPI rating: expected " KPI_RATINGS, r->status);
  } else if (r->status == NULL) {
    if (r->line >= 0) /* a JSON row's missing status was reported with its fields */
      api_return_problem(
        c, pr, r, SHEET_STATUS, NULL, MILESTONE_STATUSES, NULL,
        pr->column[SHEET_STATUS] != NULL
          ? "the status is empty: a milestone's row needs its status, " MILESTONE_STATUSES
          : "the file has no status column: a milestone's row needs its "
            "status, " MILESTONE_STATUSES);
  } else if (!rag_parse_milestone_status(r->status, &r->parsed)) {
    api_return_problem(c, pr, r, SHEET_STATUS, r->status, MILESTONE_STATUSES, NULL,
                       "\"%.40s\" is not a milestone status: expected " MILESTONE_STATUSES,
                       r->status);
  }
}

/* A spreadsheet KPI row's value, by the file's rules for commas, now that
 * the KPI is known: one measured in percent takes "95.5%". An unknown
 * KPI's value is read as if it were one, so that its only error is its
 * code. */
static void
check_value(struct api_ctx *c, struct parsed_return *pr, struct row *r)
{
  struct sheet_problem why = {0, ""};
  bool percent = r->percent || !r->resolved;
  double d;

  if (!r->kpi || r->value_cell == NULL)
    return;
  if (sheet_parse_number(&pr->numbers, r->value_cell, percent, &d, &why)) {
    json_decref(r->value);
    r->value = json_real(d);
    return;
  }
  api_return_problem(c, pr, r, SHEET_VALUE, r->value_cell,
                     percent ? "a number such as 95.5 or 95.5%, or nothing (text such as "
                               "\"n/a\" goes in value_text)"
                             : "a number such as 95.5, or nothing (text such as \"n/a\" goes in "
                               "value_text)",
                     NULL, "%s", why.text);
}

/* A month cell as partners write it: "2018-07", or a date in it
 * ("2018-07-01", the day ignored), or "Jul 2018" / "July 2018". NULL and
 * out "YYYY-MM", or why not. */
static const char *
month_of(const char *cell, char out[8])
{
  static const char *const names[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                      "jul", "aug", "sep", "oct", "nov", "dec"};
  char buf[8];
  int key;

  if (strlen(cell) == 10 && cell[7] == '-' && isdigit((unsigned char)cell[8]) &&
      isdigit((unsigned char)cell[9])) {
    snprintf(buf, sizeof(buf), "%.7s", cell);
    cell = buf;
  }
  for (int m = 0; m < 12 && cell != buf; m++) {
    size_t n = strcspn(cell, " -");
    const char *year = cell + n + (cell[n] != '\0');

    if (n >= 3 && n <= 9 && strncasecmp(cell, names[m], 3) == 0 && strlen(year) == 4 &&
        strspn(year, "0123456789") == 4) {
      snprintf(buf, sizeof(buf), "%.4s-%02d", year, m + 1);
      cell = buf;
    }
  }
  if (strspn(cell, "0123456789.") == strlen(cell) && strchr(cell, '-') == NULL)
    return "looks like a date a spreadsheet turned into a number: format the month column as "
           "text and write the month as YYYY-MM, e.g. 2018-07";
  if (period_parse_month(cell, &key) != NULL)
    return "is not a month: write it as YYYY-MM, e.g. 2018-07";
  snprintf(out, 8, "%s", cell);
  return NULL;
}

/* A row with a month is that month's value of a monthly KPI (the
 * quarter's rated reading is the KPI's row without a month): a month of
 * the return's quarter, a KPI reported monthly, and no rating. */
static void
check_month(struct api_ctx *c, struct parsed_return *pr, struct row *r)
{
  char q[QUARTER_LEN];
  const char *msg;
  int key;

  if (r->month == NULL)
    return;
  if (!r->kpi) {
    api_return_problem(c, pr, r, SHEET_MONTH, r->month, "an empty cell", NULL,
                       "milestones have no monthly values (\"%.20s\"): clear this cell", r->month);
    return;
  }
  if ((msg = month_of(r->month, r->month_key)) != NULL) {
    api_return_problem(c, pr, r, SHEET_MONTH, r->month, "a month YYYY-MM, e.g. 2018-07", NULL,
                       "\"%.20s\" %s", r->month, msg);
    return;
  }
  period_parse_month(r->month_key, &key);
  quarter_format(period_month_quarter(key), q);
  if (strcmp(q, c->path[0]) != 0)
    api_return_problem(c, pr, r, SHEET_MONTH, r->month, "a month of this return's quarter", NULL,
                       "%s is in %s, not in %.16s: send it with that quarter's return",
                       r->month_key, q, c->path[0]);
  else if (r->resolved && !r->monthly)
    api_return_problem(c, pr, r, SHEET_MONTH, r->month, "an empty cell (a quarterly KPI)", NULL,
                       "%.64s is reported quarterly, not monthly: clear the month (the "
                       "performance team can make the KPI monthly)",
                       r->canon);
  if (r->status != NULL)
    api_return_problem(c, pr, r, SHEET_STATUS, r->status, "nothing (a monthly value)", NULL,
                       "a monthly value has no rating: rate the quarter on the KPI's row "
                       "without a month");
}

/* The row's item: resolved (true), or the problem noted (false). */
static bool
resolve(struct api_ctx *c, struct parsed_return *pr, struct row *r, const char *year, bool shapes,
        enum rb_err *err)
{
  struct store_item_ref ref;

  /* Under the writer the stored code is looked up: exact, indexed. */
  *err = store_item_find(c->st, r->kpi, year, shapes ? r->code : r->canon, &ref);
  if (*err == RB_ERR_NOT_FOUND) {
    *err = RB_OK;
    r->resolved = false;
    if (shapes)
      no_such_item(c, pr, r, year);
    else
      api_return_problem(c, pr, r, SHEET_CODE, r->canon, NULL, NULL,
                         "%s %.64s no longer exists in %s (changed meanwhile)", kind_name(r->kpi),
                         r->canon, year);
    return false;
  }
  if (*err == RB_ERR_CONFLICT) {
    *err = RB_OK;
    api_return_problem(c, pr, r, SHEET_CODE, r->code, "the code exactly as in the template", NULL,
                       "%.64s matches several %s codes of %s that differ only in upper and "
                       "lower case: write it exactly as in the template",
                       r->code, kind_name(r->kpi), year);
    return false;
  }
  if (*err != RB_OK)
    return false;
  r->resolved = true;
  r->id = ref.id;
  r->percent = ref.percent;
  r->monthly = ref.monthly;
  memcpy(r->canon, ref.code, sizeof(r->canon));
  memcpy(r->owner, ref.owner, sizeof(r->owner));
  return true;
}

/* The code as the partner wrote it, and as it was read when that differs
 * (only in case). */
static void
code_words(const struct row *r, char *out, size_t cap)
{
  if (r->code != NULL && strcmp(r->code, r->canon) != 0)
    snprintf(out, cap, "%.64s (read as %.64s)", r->code, r->canon);
  else
    snprintf(out, cap, "%.64s", r->canon);
}

static void
check_owner(struct api_ctx *c, struct parsed_return *pr, struct row *r)
{
  struct domain_actor who;
  char code[160];

  api_actor(c, &who);
  if (domain_owns(&who, r->owner))
    return;
  code_words(r, code, sizeof(code));
  if (r->owner[0] == '\0')
    api_return_problem(c, pr, r, SHEET_CODE, r->code, "an item owned by your organisation", NULL,
                       "%s is owned by no organisation, not by %s: ask the performance team to "
                       "make %s its owner",
                       code, c->actor.org, c->actor.org);
  else
    api_return_problem(c, pr, r, SHEET_CODE, r->code, "an item owned by your organisation", NULL,
                       "%s is owned by %s, not by %s: a submitter sends its own organisation's "
                       "items only",
                       code, r->owner, c->actor.org);
}

/* A row that names an item an earlier row named already: true (noted). */
static bool
repeats(struct api_ctx *c, struct parsed_return *pr, struct row *r, json_t *seen)
{
  char key[40], code[200], month[8] = "";
  json_t *first;
  const struct row *f;

  /* A monthly value is its own item: the KPI in that month ("Jul 2018"
   * and "2018-07" the same; a month that is no month, as written). */
  if (r->month != NULL && month_of(r->month, month) != NULL)
    snprintf(month, sizeof(month), "%.7s", r->month);
  snprintf(key, sizeof(key), "%c%lld %s", r->kpi ? 'k' : 'm', (long long)r->id, month);
  first = json_object_get(seen, key);
  if (first == NULL) {
    json_object_set_new(seen, key, json_integer(r - pr->rows));
    return false;
  }
  f = &pr->rows[json_integer_value(first)];
  code_words(r, code, sizeof(code));
  if (r->month != NULL)
    snprintf(code + strlen(code), sizeof(code) - strlen(code), " in %s", month);
  if (r->line >= 0)
    api_return_problem(c, pr, r, SHEET_CODE, r->code, "one row per item", NULL,
                       "repeats line %ld (the same %s, %s): keep one of the two rows", f->line,
                       kind_name(r->kpi), code);
  else
    api_return_problem(c, pr, r, SHEET_CODE, r->code, "one row per item", NULL,
                       "repeats %s (the same %s, %s): keep one of the two", f->where,
                       kind_name(r->kpi), code);
  return true;
}

static void
note_case(struct parsed_return *pr, size_t n, const struct row *first)
{
  char where[64];

  if (n == 0)
    return;
  if (first->line >= 0)
    snprintf(where, sizeof(where), "line %ld", first->line);
  else
    snprintf(where, sizeof(where), "%s", first->where);
  json_array_append_new(pr->notes,
                        json_sprintf("%zu code%s matched ignoring upper and lower case, e.g. "
                                     "\"%.64s\" (%s) read as %.64s",
                                     n, n == 1 ? "" : "s", first->code, where, first->canon));
}

enum rb_err
api_return_check_rows(struct api_ctx *c, struct parsed_return *pr, const char *year, bool shapes)
{
  json_t *seen = shapes ? json_object() : NULL;
  const struct row *first_case = NULL;
  size_t cased = 0;
  enum rb_err err = RB_OK;

  if (shapes && seen == NULL)
    return RB_ERR_NOMEM;
  for (size_t i = 0; i < pr->n && err == RB_OK; i++) {
    struct row *r = &pr->rows[i];

    if (r->code == NULL || (!shapes && !r->resolved))
      continue; /* reported when parsed, or refused by the first check */
    if (!r->kind_known) {
      if (shapes)
        err = unknown_kind(c, pr, r, year);
      continue;
    }
    if (resolve(c, pr, r, year, shapes, &err)) {
      if (shapes && strcmp(r->code, r->canon) != 0 && cased++ == 0)
        first_case = r;
      /* a blank row repeating another is no conflict: it writes nothing */
      if (shapes && !r->blank && repeats(c, pr, r, seen))
        continue;
      check_owner(c, pr, r);
    }
    if (!shapes && r->resolved && r->month != NULL && !r->monthly)
      api_return_problem(c, pr, r, SHEET_MONTH, r->month, "an empty cell (a quarterly KPI)", NULL,
                         "%.64s is reported quarterly now (changed meanwhile): clear the month",
                         r->canon);
    if (err != RB_OK || !shapes)
      continue;
    if (r->month == NULL && !r->blank)
      check_status(c, pr, r);
    check_month(c, pr, r);
    check_value(c, pr, r);
  }
  json_decref(seen);
  if (err == RB_OK && shapes)
    note_case(pr, cased, first_case);
  return err;
}
