#include "report_words.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quarter.h"
#include "util.h"

int
report_percent(int64_t count, int64_t total)
{
  if (total <= 0 || count < 0)
    return -1;
  /* round(count * 100 / total) half up, in integers: exact. */
  return (int)((count * 200 + total) / (2 * total));
}

static void
copy_out(char out[REPORT_WORDS_LEN], const char *s)
{
  snprintf(out, REPORT_WORDS_LEN, "%s", s);
}

bool
report_quarter_words(const char *id, char out[REPORT_WORDS_LEN])
{
  /* Q1 April–June of the start year ... Q4 January–March of the next. */
  static const char *const months[] = {"April–June", "July–September", "October–December",
                                       "January–March"};
  struct quarter q;
  char buf[REPORT_WORDS_LEN];

  if (quarter_parse(id, &q) != NULL)
    return false;
  snprintf(buf, sizeof(buf), "Quarter %d %04d/%02d, %s %04d", q.n, q.start_year,
           (q.start_year + 1) % 100, months[q.n - 1], q.n == 4 ? q.start_year + 1 : q.start_year);
  copy_out(out, buf);
  return true;
}

bool
report_quarter_short(const char *id, char out[REPORT_WORDS_LEN])
{
  struct quarter q;
  char buf[REPORT_WORDS_LEN];

  if (quarter_parse(id, &q) != NULL)
    return false;
  snprintf(buf, sizeof(buf), "Q%d %04d/%02d", q.n, q.start_year, (q.start_year + 1) % 100);
  copy_out(out, buf);
  return true;
}

bool
report_year_words(const char *year, char out[REPORT_WORDS_LEN])
{
  int y;
  char buf[REPORT_WORDS_LEN];

  if (quarter_parse_year(year, &y) != NULL)
    return false;
  snprintf(buf, sizeof(buf), "%04d/%02d", y, (y + 1) % 100);
  copy_out(out, buf);
  return true;
}

bool
report_date_words(const char *iso, char out[REPORT_WORDS_LEN])
{
  char buf[REPORT_WORDS_LEN];

  if (quarter_parse_date(iso) != NULL)
    return false;
  snprintf(buf, sizeof(buf), "%.2s/%.2s/%.4s", iso + 8, iso + 5, iso);
  copy_out(out, buf);
  return true;
}

enum report_change
report_change_of(int before, int after)
{
  if (after > before)
    return REPORT_UP;
  if (after < before)
    return REPORT_DOWN;
  return REPORT_SAME;
}

const char *
report_change_arrow(enum report_change c)
{
  return c == REPORT_UP ? "↑" : c == REPORT_DOWN ? "↓" : "→";
}

const char *
report_change_word(enum report_change c)
{
  return c == REPORT_UP ? "up" : c == REPORT_DOWN ? "down" : "no change";
}

const char *
report_travel_arrow(const char *travel)
{
  if (travel == NULL)
    return NULL;
  if (strcmp(travel, "improving") == 0)
    return "↑";
  if (strcmp(travel, "same") == 0)
    return "→";
  if (strcmp(travel, "worsening") == 0)
    return "↓";
  return NULL;
}

char *
report_count_words(int64_t n, const char *singular, const char *plural)
{
  if (n == 0)
    return util_asprintf("no %s", plural);
  return util_asprintf("%lld %s", (long long)n, n == 1 ? singular : plural);
}

char *
report_headline(int milestones_pct, int kpis_pct)
{
  char m[80], k[64];

  if (milestones_pct < 0 && kpis_pct < 0)
    return util_asprintf("There are no milestones or KPIs");
  if (milestones_pct >= 0)
    snprintf(m, sizeof(m), "%d%% of milestones are on track or complete", milestones_pct);
  else
    snprintf(m, sizeof(m), "There are no milestones");
  if (kpis_pct >= 0)
    snprintf(k, sizeof(k), "%d%% of KPIs are on track", kpis_pct);
  else
    snprintf(k, sizeof(k), "there are no KPIs");
  return util_asprintf("%s and %s", m, k);
}

char *
report_red_headline(bool kpi, int red_pct)
{
  return util_asprintf("%d%% of %s are red", red_pct, kpi ? "KPIs" : "milestones");
}

char *
report_count_sentence(bool kpi, int64_t total, int64_t red)
{
  const char *one = kpi ? "KPI" : "milestone", *many = kpi ? "KPIs" : "milestones";

  if (total <= 0)
    return util_asprintf("There are no %s.", many);
  if (red <= 0)
    return util_asprintf("There %s %lld %s in total, none of which is red.",
                         total == 1 ? "is" : "are", (long long)total, total == 1 ? one : many);
  return util_asprintf(
    "There %s %lld %s in total, of which %lld %s red:", total == 1 ? "is" : "are", (long long)total,
    total == 1 ? one : many, (long long)red, red == 1 ? "is" : "are");
}

char *
report_position_sentence(bool kpi, int pct, const char *quarter_short, int last_year_pct)
{
  const char *what = kpi ? "KPIs are on track" : "milestones are on track or complete";

  if (pct < 0)
    return util_asprintf("There are no %s for %s", kpi ? "KPIs" : "milestones", quarter_short);
  if (last_year_pct < 0)
    return util_asprintf("%d%% of %s for %s; there is no figure for the same period last year", pct,
                         what, quarter_short);
  return util_asprintf("%d%% of %s for %s compared to %d%% in the same period last year", pct, what,
                       quarter_short, last_year_pct);
}

char *
report_change_phrase(int before, int after, const char *quarter_short)
{
  enum report_change c;
  int d;

  if (before < 0 || after < 0)
    return util_asprintf("no figure to compare for %s", quarter_short);
  c = report_change_of(before, after);
  if (c == REPORT_SAME)
    return util_asprintf("%s %s from %d%% in %s", report_change_arrow(c), report_change_word(c),
                         before, quarter_short);
  d = abs(after - before);
  return util_asprintf("%s %s %d percentage point%s from %d%% in %s", report_change_arrow(c),
                       report_change_word(c), d, d == 1 ? "" : "s", before, quarter_short);
}

/* "5 KPIs are improving" for the first part, "3 are the same" after. */
static int
travel_part(char *out, size_t cap, bool first, int64_t n, const char *what)
{
  if (first)
    return snprintf(out, cap, "%lld %s %s %s", (long long)n, n == 1 ? "KPI" : "KPIs",
                    n == 1 ? "is" : "are", what);
  return snprintf(out, cap, "%lld %s %s", (long long)n, n == 1 ? "is" : "are", what);
}

char *
report_travel_sentence(int64_t improving, int64_t same, int64_t worsening, int64_t none)
{
  const int64_t n[3] = {improving, same, worsening};
  static const char *const what[3] = {"improving", "the same", "worsening"};
  char parts[3][64], body[256], tail[96] = "";
  size_t k = 0;

  for (int i = 0; i < 3; i++)
    if (n[i] > 0) {
      travel_part(parts[k], sizeof(parts[k]), k == 0, n[i], what[i]);
      k++;
    }
  if (none > 0)
    snprintf(tail, sizeof(tail), "%s%lld %s no direction of travel", k == 0 ? "" : "; ",
             (long long)none,
             none == 1 ? (k == 0 ? "KPI has" : "has") : (k == 0 ? "KPIs have" : "have"));
  if (k == 0 && none <= 0)
    return util_asprintf("No KPI has a direction of travel yet.");
  if (k == 0)
    return util_asprintf("Against the previous quarter, %s.", tail);
  if (k == 1)
    snprintf(body, sizeof(body), "%s", parts[0]);
  else if (k == 2)
    snprintf(body, sizeof(body), "%s and %s", parts[0], parts[1]);
  else
    snprintf(body, sizeof(body), "%s, %s and %s", parts[0], parts[1], parts[2]);
  return util_asprintf("Against the previous quarter, %s%s.", body, tail);
}

char *
report_approval_history(const char *delivery_team, const char *delivery_team_date,
                        const char *place_board, const char *place_board_date)
{
  char dt[REPORT_WORDS_LEN], pb[REPORT_WORDS_LEN];

  if (delivery_team_date == NULL || !report_date_words(delivery_team_date, dt))
    copy_out(dt, "date to be confirmed");
  if (place_board_date == NULL || !report_date_words(place_board_date, pb))
    copy_out(pb, "date to be confirmed");
  return util_asprintf("%s – %s, %s – %s", delivery_team, dt, place_board, pb);
}

char *
report_tolerance_amount(bool absolute, double value)
{
  char num[48];
  size_t n;

  if (!isfinite(value))
    value = 0;
  snprintf(num, sizeof(num), "%.3f", value);
  n = strlen(num);
  while (n > 0 && num[n - 1] == '0')
    num[--n] = '\0';
  if (n > 0 && num[n - 1] == '.')
    num[--n] = '\0';
  if (strcmp(num, "-0") == 0)
    strcpy(num, "0");
  return util_asprintf("%s%s", num, absolute ? "" : "%");
}

char *
report_method_sentence(const char *quarter_short)
{
  return util_asprintf(
    "Every count, percentage, headline and comparison in this report is computed by ragboard "
    "from the ratings stored for %s, as /api/v1/summary computes them, not typed in: milestones "
    "on track or complete are those rated G or B, KPIs on track those rated G, a milestone or KPI "
    "without an update for the quarter counts as TBC, a KPI's reported rating is the one counted, "
    "and percentages are of each table's total, rounded half up to whole numbers.",
    quarter_short);
}

char *
report_tolerance_rule(bool absolute, double value)
{
  char *amount = report_tolerance_amount(absolute, value), *out;

  if (amount == NULL)
    return NULL;
  out = util_asprintf(
    "a KPI is Green when it meets its target, Amber when it misses it by no more than %s%s, and "
    "Red when it misses it by more than %s%s",
    amount, absolute ? "" : " of the target", amount, absolute ? "" : " of the target");
  free(amount);
  return out;
}

/* ---- the partnership's title from a dataset's title ------------------------ */

static bool
is_space(char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool
is_digit(char c)
{
  return c >= '0' && c <= '9';
}

/* p advanced past the case-insensitive word w, or NULL. */
static const char *
skip_word(const char *p, const char *end, const char *w)
{
  for (; *w != '\0'; p++, w++)
    if (p >= end || (*p | 0x20) != *w)
      return NULL;
  return p;
}

/* p advanced past n digits, or NULL. */
static const char *
skip_digits(const char *p, const char *end, int n)
{
  for (int i = 0; i < n; i++, p++)
    if (p >= end || !is_digit(*p))
      return NULL;
  return p;
}

/* A plan year: "2018/19", "2018-19", "2018/2019", "2018-2019"; p past it or NULL. */
static const char *
skip_year(const char *p, const char *end)
{
  const char *q = skip_digits(p, end, 4), *four;

  if (q == NULL || q >= end || (*q != '/' && *q != '-'))
    return NULL;
  q++;
  four = skip_digits(q, end, 4);
  return four != NULL ? four : skip_digits(q, end, 2);
}

/* "Quarter 1", "Qtr 1", "Q1" (any case); p past it or NULL. */
static const char *
skip_quarter(const char *p, const char *end)
{
  const char *q = skip_word(p, end, "quarter");

  if (q == NULL)
    q = skip_word(p, end, "qtr");
  if (q == NULL)
    q = skip_word(p, end, "q");
  if (q == NULL)
    return NULL;
  while (q < end && is_space(*q))
    q++;
  if (q >= end || *q < '1' || *q > '4')
    return NULL;
  return q + 1;
}

/* Whether [p, end) is exactly a quarter phrase: "Quarter 1 2018/19",
 * "Q1, 2018/19", "2018/19 Q1", "Q1", optionally in parentheses. */
static bool
quarter_phrase(const char *p, const char *end)
{
  const char *q;

  if (p < end && *p == '(') {
    if (end - p < 2 || end[-1] != ')')
      return false;
    p++;
    end--;
  }
  if ((q = skip_quarter(p, end)) != NULL) {
    if (q == end)
      return true;
    if (*q == ',')
      q++;
    if (q >= end || !is_space(*q))
      return false;
    while (q < end && is_space(*q))
      q++;
    return skip_year(q, end) == end;
  }
  if ((q = skip_year(p, end)) == NULL || q >= end || !is_space(*q))
    return false;
  while (q < end && is_space(*q))
    q++;
  return skip_quarter(q, end) == end;
}

/* The separator before a trailing phrase: "," ":" "|" "-" "–" "—", or none. */
static size_t
separator_before(const char *s, size_t at)
{
  if (at >= 1 && strchr(",:|-", s[at - 1]) != NULL)
    return 1;
  if (at >= 3 && (memcmp(s + at - 3, "–", 3) == 0 || memcmp(s + at - 3, "—", 3) == 0))
    return 3;
  return 0;
}

size_t
report_title_len(const char *title)
{
  size_t n = strlen(title), at, keep;

  while (n > 0 && is_space(title[n - 1]))
    n--;
  /* The phrase starts a word: after a space, a separator or "(". */
  for (at = 0; at < n; at++) {
    if (at > 0 && !is_space(title[at - 1]) && separator_before(title, at) == 0 && title[at] != '(')
      continue;
    if (title[at] != '(' && is_space(title[at]))
      continue;
    if (!quarter_phrase(title + at, title + n))
      continue;
    keep = at;
    while (keep > 0 && is_space(title[keep - 1]))
      keep--;
    keep -= separator_before(title, keep);
    while (keep > 0 && is_space(title[keep - 1]))
      keep--;
    return keep;
  }
  return n;
}
