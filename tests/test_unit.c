/* Unit tests of the pure modules: quarters, RAG rules, summaries, JSON
 * validation and small utilities. No I/O: nothing here touches a database,
 * a file or a socket. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "accept.h"
#include "cache.h"
#include "csv.h"
#include "harness.h"
#include "error.h"
#include "jsonv.h"
#include "problem.h"
#include "quarter.h"
#include "rag.h"
#include "router.h"
#include "store.h"
#include "summary.h"
#include "textbuf.h"
#include "util.h"
#include "writeq.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers ---------------------------------------------------------------- */

static json_t *
parse(const char *text)
{
  json_error_t err;
  json_t *v = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);

  ck_assert_msg(v != NULL, "bad test JSON %s: %s", text, err.text);
  return v;
}

/* ---- quarters ---------------------------------------------------------------- */

START_TEST(test_parse_time)
{
  static const struct {
    const char *in, *out; /* out NULL: refused */
  } cases[] = {
    {"2018-08-22", "2018-08-22T00:00:00.000Z"},
    {"2018-08-22T10:30:05Z", "2018-08-22T10:30:05.000Z"},
    {"2018-08-22T10:30:05.4Z", "2018-08-22T10:30:05.400Z"},
    {"2018-08-22T10:30:05.123Z", "2018-08-22T10:30:05.123Z"},
    {"2018-08-22T10:30:05.1230000Z", "2018-08-22T10:30:05.123Z"},
    {"2018-08-22T10:30:05.1231Z", "2018-08-22T10:30:05.124Z"}, /* finer: rounded up */
    {"2018-12-31T23:59:59.9991Z", "2019-01-01T00:00:00.000Z"}, /* ... into the next year */
    {"2020-02-29", "2020-02-29T00:00:00.000Z"},
    {"2019-02-29", NULL},
    {"2018-02-30", NULL},
    {"2018-13-01", NULL},
    {"2018-00-01", NULL},
    {"2018-08-22T24:00:00Z", NULL},
    {"2018-08-22T10:60:00Z", NULL},
    {"2018-08-22T10:30:05", NULL}, /* no zone */
    {"2018-08-22T10:30:05+01:00", NULL},
    {"2018-08-22T10:30:05.Z", NULL},
    {"2018-08-22T10:30:05.1234567891Z", NULL},
    {"2018-08-22T10:30Z", NULL},
    {"2018-08-22T", NULL},
    {"2018-08-22Z", NULL},
    {"2018-8-22", NULL},
    {"2018", NULL},
    {"", NULL},
    {"yesterday", NULL},
  };
  char out[UTIL_TIME_LEN];

  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    bool ok = util_parse_time(cases[i].in, out);

    ck_assert_msg(ok == (cases[i].out != NULL), "%s: %s", cases[i].in, ok ? out : "refused");
    if (ok)
      ck_assert_str_eq(out, cases[i].out);
  }
}
END_TEST

START_TEST(test_utf8_trim_cut)
{
  static const struct {
    const char *in, *out;
  } cases[] = {
    {"", ""},
    {"abc", "abc"},
    {"ab\xc3\xa9", "ab\xc3\xa9"},       /* complete 2-byte */
    {"ab\xc3", "ab"},                   /* cut 2-byte */
    {"a\xe2\x82\xac", "a\xe2\x82\xac"}, /* complete 3-byte */
    {"a\xe2\x82", "a"},                 /* cut 3-byte */
    {"a\xe2", "a"},
    {"\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80"}, /* complete 4-byte */
    {"x\xf0\x9f\x98", "x"},                   /* cut 4-byte */
  };
  char buf[16];

  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    snprintf(buf, sizeof(buf), "%s", cases[i].in);
    util_utf8_trim_cut(buf);
    ck_assert_msg(strcmp(buf, cases[i].out) == 0, "case %zu", i);
  }
}
END_TEST

START_TEST(test_quarter_parse_valid)
{
  static const struct {
    const char *s;
    int year, n;
  } rows[] = {
    {"2019-20-Q1", 2019, 1}, {"2018-19-Q4", 2018, 4}, {"2018-19-Q2", 2018, 2},
    {"1999-00-Q3", 1999, 3}, {"2099-00-Q1", 2099, 1},
  };

  for (size_t i = 0; i < N(rows); i++) {
    struct quarter q = {0, 0};
    const char *msg = quarter_parse(rows[i].s, &q);

    ck_assert_msg(msg == NULL, "%s: %s", rows[i].s, msg);
    ck_assert_int_eq(q.start_year, rows[i].year);
    ck_assert_int_eq(q.n, rows[i].n);
  }
}
END_TEST

START_TEST(test_quarter_parse_invalid)
{
  static const char *const bad[] = {
    "2019-21-Q1", "2019-20-Q5", "2019-20-Q0", "19-20-Q1",    "2019-20-Q1x", "",
    "2019/20",    "1899-00",    "2019-20",    "2019-20Q1",   "2019-20-q1",  "2019-20-Q",
    "1899-00-Q1", "2019-20 Q1", "abcd-ef-Q1", "2019-20-Q10",
  };

  for (size_t i = 0; i < N(bad); i++) {
    struct quarter q = {0, 0};
    const char *msg = quarter_parse(bad[i], &q);

    ck_assert_msg(msg != NULL, "\"%s\" accepted as a quarter", bad[i]);
    ck_assert_msg(msg[0] != '\0', "\"%s\": empty message", bad[i]);
  }
  {
    struct quarter q;

    ck_assert_ptr_nonnull(quarter_parse(NULL, &q));
  }
}
END_TEST

START_TEST(test_quarter_parse_year)
{
  static const struct {
    const char *s;
    int year; /* 0: invalid */
  } rows[] = {
    {"2018-19", 2018}, {"2019-20", 2019}, {"1999-00", 1999}, {"1990-91", 1990}, {"2019-21", 0},
    {"2019-20-Q1", 0}, {"19-20", 0},      {"", 0},           {"2019/20", 0},    {"1899-00", 0},
    {"2019-2", 0},     {"2019-200", 0},   {"2019-1x", 0},    {" 2019-20", 0},   {"2018-18", 0},
  };

  for (size_t i = 0; i < N(rows); i++) {
    int y = -1;
    const char *msg = quarter_parse_year(rows[i].s, &y);

    if (rows[i].year != 0) {
      ck_assert_msg(msg == NULL, "%s: %s", rows[i].s, msg);
      ck_assert_int_eq(y, rows[i].year);
    } else {
      ck_assert_msg(msg != NULL && msg[0] != '\0', "\"%s\" accepted as a year", rows[i].s);
      ck_assert_int_eq(y, -1); /* untouched on failure */
    }
  }
  {
    int y;

    ck_assert_ptr_nonnull(quarter_parse_year(NULL, &y));
  }
}
END_TEST

START_TEST(test_quarter_parse_date)
{
  static const struct {
    const char *s;
    bool ok;
  } rows[] = {
    {"2020-02-29", true}, {"2019-02-29", false}, {"2019-13-01", false}, {"2019-02-28", true},
    {"2000-02-29", true}, {"2100-02-29", false}, {"2019-04-30", true},  {"2019-04-31", false},
    {"2019-12-31", true}, {"2019-00-10", false}, {"2019-01-00", false}, {"2019-01-32", false},
    {"2019-1-01", false}, {"2019-01-1", false},  {"2019/01/01", false}, {"2019-01-01T", false},
    {"", false},          {"20190101", false},   {"2019-0a-01", false},
  };

  for (size_t i = 0; i < N(rows); i++) {
    const char *msg = quarter_parse_date(rows[i].s);

    if (rows[i].ok)
      ck_assert_msg(msg == NULL, "%s rejected: %s", rows[i].s, msg);
    else
      ck_assert_msg(msg != NULL && msg[0] != '\0', "%s accepted", rows[i].s);
  }
  ck_assert_ptr_nonnull(quarter_parse_date(NULL));
}
END_TEST

START_TEST(test_quarter_arithmetic)
{
  static const struct {
    struct quarter q, prev, last_year;
  } rows[] = {
    {{2019, 1}, {2018, 4}, {2018, 1}}, {{2019, 2}, {2019, 1}, {2018, 2}},
    {{2019, 3}, {2019, 2}, {2018, 3}}, {{2019, 4}, {2019, 3}, {2018, 4}},
    {{2000, 1}, {1999, 4}, {1999, 1}},
  };

  for (size_t i = 0; i < N(rows); i++) {
    struct quarter p = quarter_previous(rows[i].q), l = quarter_same_last_year(rows[i].q);

    ck_assert_int_eq(p.start_year, rows[i].prev.start_year);
    ck_assert_int_eq(p.n, rows[i].prev.n);
    ck_assert_int_eq(l.start_year, rows[i].last_year.start_year);
    ck_assert_int_eq(l.n, rows[i].last_year.n);
    ck_assert_int_lt(quarter_cmp(p, rows[i].q), 0);
    ck_assert_int_lt(quarter_cmp(l, rows[i].q), 0);
  }
}
END_TEST

START_TEST(test_quarter_format)
{
  static const struct {
    struct quarter q;
    const char *want;
  } rows[] = {
    {{2019, 1}, "2019-20-Q1"},
    {{2018, 4}, "2018-19-Q4"},
    {{1999, 2}, "1999-00-Q2"},
    {{2009, 3}, "2009-10-Q3"},
  };
  char buf[QUARTER_LEN], ybuf[YEAR_LEN];

  for (size_t i = 0; i < N(rows); i++) {
    struct quarter back;

    quarter_format(rows[i].q, buf);
    ck_assert_str_eq(buf, rows[i].want);
    ck_assert_ptr_null(quarter_parse(buf, &back));
    ck_assert_int_eq(quarter_cmp(back, rows[i].q), 0);
  }
  quarter_format_year(2018, ybuf);
  ck_assert_str_eq(ybuf, "2018-19");
  quarter_format_year(1999, ybuf);
  ck_assert_str_eq(ybuf, "1999-00");
}
END_TEST

START_TEST(test_quarter_cmp)
{
  static const struct {
    struct quarter a, b;
    int sign;
  } rows[] = {
    {{2019, 1}, {2019, 1}, 0},  {{2019, 1}, {2019, 2}, -1}, {{2019, 4}, {2019, 1}, 1},
    {{2018, 4}, {2019, 1}, -1}, {{2019, 1}, {2018, 4}, 1},  {{2020, 1}, {2019, 4}, 1},
    {{2017, 3}, {2018, 2}, -1},
  };

  for (size_t i = 0; i < N(rows); i++) {
    int c = quarter_cmp(rows[i].a, rows[i].b);
    int sign = (c > 0) - (c < 0);

    ck_assert_msg(sign == rows[i].sign, "row %zu: cmp %d, want sign %d", i, c, rows[i].sign);
  }
}
END_TEST

/* ---- RAG rules ---------------------------------------------------------------- */

#define INC RAG_DIR_INCREASE
#define DEC RAG_DIR_DECREASE
#define MNT RAG_DIR_MAINTAIN
#define REL RAG_TOL_RELATIVE
#define ABS RAG_TOL_ABSOLUTE

static const struct {
  enum rag_direction dir;
  bool has_target;
  double target;
  enum rag_tolerance mode;
  double tol;
  bool has_value;
  double value;
  enum rag_status want;
} rate_rows[] = {
  /* increase, relative 2%: band 1.9 */
  {INC, true, 95, REL, 2, true, 95, RAG_G},
  {INC, true, 95, REL, 2, true, 100, RAG_G},
  {INC, true, 95, REL, 2, true, 94, RAG_A},
  {INC, true, 95, REL, 2, true, 93.1, RAG_A}, /* 95 * 0.98: the boundary itself */
  {INC, true, 95, REL, 2, true, 95 * 0.98, RAG_A},
  {INC, true, 95, REL, 2, true, 93.09, RAG_R},
  {INC, true, 95, REL, 2, true, 0, RAG_R},
  /* maintain behaves as increase */
  {MNT, true, 50, REL, 2, true, 50, RAG_G},
  {MNT, true, 50, REL, 2, true, 51, RAG_G},
  {MNT, true, 50, REL, 2, true, 49, RAG_A},
  {MNT, true, 50, REL, 2, true, 48.99, RAG_R},
  /* decrease, relative 2%: band 0.2 */
  {DEC, true, 10, REL, 2, true, 10, RAG_G},
  {DEC, true, 10, REL, 2, true, 9, RAG_G},
  {DEC, true, 10, REL, 2, true, 10.2, RAG_A},
  {DEC, true, 10, REL, 2, true, 10.21, RAG_R},
  {DEC, true, 0.3, REL, 2, true, 0.1 + 0.2, RAG_G}, /* 0.30000000000000004 */
  /* band edges that binary floating point puts a hair on the wrong side */
  {INC, true, 0.07, REL, 2, true, 0.0686, RAG_A}, /* 0.07 - 0.0014 = 0.06860000000000001 */
  {DEC, true, 0.09, REL, 2, true, 0.0918, RAG_A}, /* 0.09 + 0.0018 = 0.09179999999999999 */
  /* other relative tolerances */
  {INC, true, 200, REL, 10, true, 180, RAG_A},
  {INC, true, 200, REL, 10, true, 179.9, RAG_R},
  {INC, true, 95, REL, 0, true, 94.99, RAG_R},
  /* absolute tolerance */
  {INC, true, 80, ABS, 5, true, 80, RAG_G},
  {INC, true, 80, ABS, 5, true, 75, RAG_A},
  {INC, true, 80, ABS, 5, true, 74.99, RAG_R},
  {DEC, true, 5, ABS, 1, true, 6, RAG_A},
  {DEC, true, 5, ABS, 1, true, 6.01, RAG_R},
  {DEC, true, 5, ABS, 1, true, 4, RAG_G},
  {INC, true, 1000, ABS, 0.5, true, 999.5, RAG_A}, /* not 0.5% of 1000 */
  {INC, true, 1000, ABS, 0.5, true, 999.4, RAG_R},
  /* negative targets: the band is taken on |t| */
  {INC, true, -10, REL, 2, true, -10, RAG_G},
  {INC, true, -10, REL, 2, true, -9, RAG_G},
  {INC, true, -10, REL, 2, true, -10.2, RAG_A},
  {INC, true, -10, REL, 2, true, -10.21, RAG_R},
  {DEC, true, -10, REL, 2, true, -10.5, RAG_G},
  {DEC, true, -10, REL, 2, true, -9.8, RAG_A},
  {DEC, true, -10, REL, 2, true, -9.79, RAG_R},
  /* zero target: a relative band is empty */
  {INC, true, 0, REL, 2, true, 0, RAG_G},
  {INC, true, 0, REL, 2, true, 1, RAG_G},
  {INC, true, 0, REL, 2, true, -0.01, RAG_R},
  {DEC, true, 0, REL, 2, true, 0, RAG_G},
  {DEC, true, 0, REL, 2, true, 0.01, RAG_R},
  {INC, true, 0, ABS, 1, true, -1, RAG_A},
  {INC, true, 0, ABS, 1, true, -1.01, RAG_R},
  /* nothing to rate */
  {INC, true, 95, REL, 2, false, 0, RAG_NONE},
  {DEC, true, 10, REL, 2, false, 10, RAG_NONE},
  {INC, false, 0, REL, 2, true, 95, RAG_NONE},
  {DEC, false, 10, REL, 2, true, 10, RAG_NONE},
  {RAG_DIR_NONE, true, 95, REL, 2, true, 95, RAG_NONE},
  {RAG_DIR_NONE, true, 95, ABS, 2, true, 10, RAG_NONE},
};

START_TEST(test_rag_rate_kpi)
{
  size_t i = (size_t)_i;
  struct rag_rule rule = {
    .direction = rate_rows[i].dir,
    .has_target = rate_rows[i].has_target,
    .target = rate_rows[i].target,
    .mode = rate_rows[i].mode,
    .tolerance = rate_rows[i].tol,
  };
  enum rag_status got = rag_rate_kpi(&rule, rate_rows[i].has_value, rate_rows[i].value);

  ck_assert_msg(got == rate_rows[i].want,
                "row %zu: dir %d target %g (%s %g) value %.17g: got %d, want %d", i,
                rate_rows[i].dir, rate_rows[i].target, rate_rows[i].mode == ABS ? "abs" : "rel",
                rate_rows[i].tol, rate_rows[i].value, got, rate_rows[i].want);
}
END_TEST

START_TEST(test_rag_effective_disagrees)
{
  static const struct {
    enum rag_status reported, computed, effective;
    bool disagrees;
  } rows[] = {
    {RAG_G, RAG_R, RAG_G, true},          {RAG_R, RAG_G, RAG_R, true},
    {RAG_A, RAG_A, RAG_A, false},         {RAG_NONE, RAG_A, RAG_A, false},
    {RAG_NONE, RAG_R, RAG_R, false},      {RAG_G, RAG_NONE, RAG_G, false},
    {RAG_NONE, RAG_NONE, RAG_TBC, false}, {RAG_TBC, RAG_NONE, RAG_TBC, false},
  };

  for (size_t i = 0; i < N(rows); i++) {
    ck_assert_msg(rag_effective(rows[i].reported, rows[i].computed) == rows[i].effective,
                  "row %zu effective", i);
    ck_assert_msg(rag_disagrees(rows[i].reported, rows[i].computed) == rows[i].disagrees,
                  "row %zu disagrees", i);
  }
}
END_TEST

START_TEST(test_rag_parse)
{
  static const struct {
    const char *s;
    enum rag_status want; /* RAG_NONE: rejected */
  } milestone[] =
    {
      {"br", RAG_BR},     {"BR", RAG_BR},   {"Brown", RAG_BR},  {"BLUE", RAG_B},
      {"b", RAG_B},       {"g", RAG_G},     {"Green", RAG_G},   {"Amber", RAG_A},
      {"a", RAG_A},       {"red", RAG_R},   {"R", RAG_R},       {"tbc", RAG_TBC},
      {"TBC", RAG_TBC},   {"X", RAG_NONE},  {"", RAG_NONE},     {"Purple", RAG_NONE},
      {"Gree", RAG_NONE}, {"G ", RAG_NONE}, {"TBCX", RAG_NONE},
    },
    kpi[] = {
      {"G", RAG_G},        {"green", RAG_G}, {"A", RAG_A},    {"AMBER", RAG_A}, {"r", RAG_R},
      {"Red", RAG_R},      {"tbc", RAG_TBC}, {"B", RAG_NONE}, {"BR", RAG_NONE}, {"Blue", RAG_NONE},
      {"brown", RAG_NONE}, {"", RAG_NONE},   {"X", RAG_NONE},
    };

  for (size_t i = 0; i < N(milestone); i++) {
    enum rag_status s = (enum rag_status)99;
    bool ok = rag_parse_milestone_status(milestone[i].s, &s);

    ck_assert_msg(ok == (milestone[i].want != RAG_NONE), "milestone \"%s\": ok %d", milestone[i].s,
                  ok);
    if (ok)
      ck_assert_msg(s == milestone[i].want, "milestone \"%s\": got %d", milestone[i].s, s);
  }
  for (size_t i = 0; i < N(kpi); i++) {
    enum rag_status s = (enum rag_status)99;
    bool ok = rag_parse_kpi_rating(kpi[i].s, &s);

    ck_assert_msg(ok == (kpi[i].want != RAG_NONE), "kpi \"%s\": ok %d", kpi[i].s, ok);
    if (ok)
      ck_assert_msg(s == kpi[i].want, "kpi \"%s\": got %d", kpi[i].s, s);
  }
  {
    enum rag_status s;

    ck_assert(!rag_parse_milestone_status(NULL, &s));
    ck_assert(!rag_parse_kpi_rating(NULL, &s));
  }
}
END_TEST

START_TEST(test_rag_code_direction)
{
  static const char *const codes[] = {"BR", "B", "G", "A", "R", "TBC"};
  enum rag_direction d;

  for (int i = 0; i < RAG__COUNT; i++) {
    enum rag_status back;

    ck_assert_str_eq(rag_code((enum rag_status)i), codes[i]);
    ck_assert(rag_parse_milestone_status(codes[i], &back));
    ck_assert_int_eq(back, i);
  }
  ck_assert_ptr_null(rag_code(RAG_NONE));
  ck_assert_ptr_null(rag_code(RAG__COUNT));
  ck_assert(rag_parse_direction("increase", &d) && d == RAG_DIR_INCREASE);
  ck_assert(rag_parse_direction("decrease", &d) && d == RAG_DIR_DECREASE);
  ck_assert(rag_parse_direction("maintain", &d) && d == RAG_DIR_MAINTAIN);
  ck_assert(!rag_parse_direction("up", &d));
  ck_assert(!rag_parse_direction("", &d));
  ck_assert(!rag_parse_direction(NULL, &d));
}
END_TEST

/* ---- summaries ------------------------------------------------------------------ */

START_TEST(test_summary_tenths)
{
  static const struct {
    int64_t count, total, want;
  } rows[] = {
    {1, 3, 333},  {2, 3, 667},   {1, 8, 125},   {1, 16, 63},  {0, 5, 0},
    {5, 0, -1},   {43, 76, 566}, {22, 50, 440}, {5, 5, 1000}, {1, 2000, 1},
    {1, 2001, 0}, {0, 0, -1},    {1, 6, 167},   {3, 8, 375},  {1, 1, 1000},
  };

  for (size_t i = 0; i < N(rows); i++) {
    int64_t got = summary_tenths(rows[i].count, rows[i].total);

    ck_assert_msg(got == rows[i].want, "(%lld, %lld): got %lld, want %lld",
                  (long long)rows[i].count, (long long)rows[i].total, (long long)got,
                  (long long)rows[i].want);
  }
}
END_TEST

/* Groups AAA (active), BBB (active), ZZZ (inactive); priorities AAA 1, AAA 2,
 * BBB 1. KPI k1 serves AAA priorities 1 and 2. */
static const struct summary_group sgroups[] = {
  {"AAA", "Alpha", true},
  {"BBB", "Beta", true},
  {"ZZZ", "Zeta", false},
};
static const struct summary_priority sprios[] = {
  {0, 1, "Alpha one"},
  {0, 2, "Alpha two"},
  {1, 1, "Beta one"},
};
static const int64_t p1[] = {1}, p2[] = {2}, p12[] = {1, 2};
static const struct summary_item sitems[] = {
  /* a red KPI listed before the red milestone: exceptions still put milestones first */
  {true, 12, 0, p2, 1, "K2", "Kpi two", RAG_R, false, "50%", "bad", true},
  {false, 1, 0, p1, 1, "M1", "Milestone one", RAG_G, false, NULL, NULL, true},
  {false, 2, 0, p1, 1, "M2", "Milestone two", RAG_R, false, NULL, "late", true},
  {false, 3, 0, p2, 1, "M3", "Milestone three", RAG_B, false, NULL, NULL, true},
  {false, 4, 0, p2, 1, "M4", "Milestone four", RAG_BR, false, NULL, NULL, true},
  {true, 11, 0, p12, 2, "K1", "Kpi one", RAG_A, true, "90%", NULL, true},
  {true, 13, 0, p1, 1, "K3", "Kpi three", RAG_G, false, NULL, NULL, true},
  {false, 5, 1, p1, 1, "M5", "Milestone five", RAG_TBC, false, NULL, NULL, false},
};
static const struct summary_input sinput = {
  .quarter = "2018-19-Q1",
  .year = "2018-19",
  .groups = sgroups,
  .ngroups = N(sgroups),
  .priorities = sprios,
  .npriorities = N(sprios),
  .items = sitems,
  .nitems = N(sitems),
};

START_TEST(test_summary_json)
{
  struct summary_headline prev = {
    .present = true, .quarter = "2017-18-Q4", .milestones_tenths = 566, .kpis_tenths = -1};
  json_t *j = summary_json(&sinput, &prev, NULL);

  ck_assert_ptr_nonnull(j);
  th_expect_str(j, "quarter", "2018-19-Q1");
  th_expect_str(j, "year", "2018-19");
  /* the inactive group is left out */
  ck_assert_uint_eq(json_array_size(th_jget(j, "groups")), 2);
  th_expect_str(j, "groups[0].code", "AAA");
  th_expect_str(j, "groups[0].name", "Alpha");
  th_expect_str(j, "groups[1].code", "BBB");

  /* AAA milestones: BR, B, G, R one each */
  th_expect_int(j, "groups[0].milestones.total", 4);
  th_expect_int(j, "groups[0].milestones.counts.BR", 1);
  th_expect_int(j, "groups[0].milestones.counts.B", 1);
  th_expect_int(j, "groups[0].milestones.counts.G", 1);
  th_expect_int(j, "groups[0].milestones.counts.A", 0);
  th_expect_int(j, "groups[0].milestones.counts.R", 1);
  th_expect_int(j, "groups[0].milestones.counts.TBC", 0);
  th_expect_num(j, "groups[0].milestones.percent.G", 25.0);
  th_expect_num(j, "groups[0].milestones.percent.A", 0.0);
  th_expect_num(j, "groups[0].milestones.on_track_or_complete_percent", 50.0);
  th_expect_num(j, "groups[0].milestones.red_percent", 25.0);
  ck_assert_uint_eq(json_array_size(th_jget(j, "groups[0].milestones.by_priority")), 2);
  th_expect_int(j, "groups[0].milestones.by_priority[0].priority", 1);
  th_expect_str(j, "groups[0].milestones.by_priority[0].title", "Alpha one");
  th_expect_int(j, "groups[0].milestones.by_priority[0].total", 2);
  th_expect_int(j, "groups[0].milestones.by_priority[0].counts.G", 1);
  th_expect_int(j, "groups[0].milestones.by_priority[0].counts.R", 1);
  th_expect_int(j, "groups[0].milestones.by_priority[1].priority", 2);
  th_expect_int(j, "groups[0].milestones.by_priority[1].total", 2);
  th_expect_int(j, "groups[0].milestones.by_priority[1].counts.B", 1);
  th_expect_int(j, "groups[0].milestones.by_priority[1].counts.BR", 1);
  th_expect_num(j, "groups[0].milestones.by_priority[1].percent.B", 50.0);

  /* AAA KPIs: K1 counts once in the group, once in each of its priorities */
  th_expect_int(j, "groups[0].kpis.total", 3);
  th_expect_int(j, "groups[0].kpis.counts.G", 1);
  th_expect_int(j, "groups[0].kpis.counts.A", 1);
  th_expect_int(j, "groups[0].kpis.counts.R", 1);
  th_expect_int(j, "groups[0].kpis.counts.TBC", 0);
  ck_assert_ptr_null(th_jget(j, "groups[0].kpis.counts.B"));
  ck_assert_ptr_null(th_jget(j, "groups[0].kpis.counts.BR"));
  th_expect_num(j, "groups[0].kpis.percent.G", 33.3);
  th_expect_num(j, "groups[0].kpis.on_track_percent", 33.3);
  th_expect_num(j, "groups[0].kpis.red_percent", 33.3);
  th_expect_int(j, "groups[0].kpis.rating_disagreements", 1);
  ck_assert_uint_eq(json_array_size(th_jget(j, "groups[0].kpis.by_priority")), 2);
  th_expect_int(j, "groups[0].kpis.by_priority[0].priority", 1);
  th_expect_int(j, "groups[0].kpis.by_priority[0].total", 2);
  th_expect_int(j, "groups[0].kpis.by_priority[0].counts.G", 1);
  th_expect_int(j, "groups[0].kpis.by_priority[0].counts.A", 1);
  th_expect_int(j, "groups[0].kpis.by_priority[1].priority", 2);
  th_expect_int(j, "groups[0].kpis.by_priority[1].total", 2);
  th_expect_int(j, "groups[0].kpis.by_priority[1].counts.A", 1);
  th_expect_int(j, "groups[0].kpis.by_priority[1].counts.R", 1);
  th_expect_int(j, "groups[0].kpis.by_priority[1].counts.G", 0);

  /* AAA exceptions: the red milestone, then the red KPI */
  ck_assert_uint_eq(json_array_size(th_jget(j, "groups[0].exceptions")), 2);
  th_expect_str(j, "groups[0].exceptions[0].type", "milestone");
  th_expect_int(j, "groups[0].exceptions[0].id", 2);
  th_expect_str(j, "groups[0].exceptions[0].code", "M2");
  th_expect_str(j, "groups[0].exceptions[0].description", "Milestone two");
  th_expect_str(j, "groups[0].exceptions[0].status", "R");
  th_expect_str(j, "groups[0].exceptions[0].comment", "late");
  th_expect_str(j, "groups[0].exceptions[1].type", "kpi");
  th_expect_int(j, "groups[0].exceptions[1].id", 12);
  th_expect_str(j, "groups[0].exceptions[1].code", "K2");
  th_expect_str(j, "groups[0].exceptions[1].rating", "R");
  th_expect_str(j, "groups[0].exceptions[1].value_text", "50%");
  th_expect_str(j, "groups[0].exceptions[1].comment", "bad");

  /* BBB: one milestone awaiting an update, no KPIs: percentages null */
  th_expect_int(j, "groups[1].milestones.total", 1);
  th_expect_int(j, "groups[1].milestones.counts.TBC", 1);
  th_expect_num(j, "groups[1].milestones.percent.TBC", 100.0);
  th_expect_num(j, "groups[1].milestones.on_track_or_complete_percent", 0.0);
  th_expect_int(j, "groups[1].kpis.total", 0);
  th_expect_int(j, "groups[1].kpis.counts.G", 0);
  th_expect_null(j, "groups[1].kpis.percent.G");
  th_expect_null(j, "groups[1].kpis.percent.TBC");
  th_expect_null(j, "groups[1].kpis.on_track_percent");
  th_expect_null(j, "groups[1].kpis.red_percent");
  th_expect_int(j, "groups[1].kpis.by_priority[0].total", 0);
  th_expect_null(j, "groups[1].kpis.by_priority[0].percent.G");
  th_expect_int(j, "groups[1].kpis.rating_disagreements", 0);
  ck_assert_uint_eq(json_array_size(th_jget(j, "groups[1].exceptions")), 0);

  /* overall */
  th_expect_int(j, "overall.milestones.total", 5);
  th_expect_int(j, "overall.milestones.counts.TBC", 1);
  th_expect_num(j, "overall.milestones.on_track_or_complete_percent", 40.0);
  th_expect_num(j, "overall.milestones.red_percent", 20.0);
  th_expect_int(j, "overall.kpis.total", 3);
  th_expect_num(j, "overall.kpis.on_track_percent", 33.3);
  th_expect_int(j, "overall.kpis.rating_disagreements", 1);

  /* comparisons */
  th_expect_str(j, "comparison.previous_quarter.quarter", "2017-18-Q4");
  th_expect_num(j, "comparison.previous_quarter.milestones_on_track_or_complete_percent", 56.6);
  th_expect_null(j, "comparison.previous_quarter.kpis_on_track_percent");
  th_expect_null(j, "comparison.same_quarter_last_year");
  json_decref(j);

  prev.present = false;
  j = summary_json(&sinput, &prev, &prev);
  th_expect_null(j, "comparison.previous_quarter");
  th_expect_null(j, "comparison.same_quarter_last_year");
  json_decref(j);
}
END_TEST

/* The counts behind the headlines, per group and overall: what the board
 * report compares with (on track or complete = G + B; KPIs on track = G),
 * with how many were rated. */
START_TEST(test_summary_counts)
{
  struct summary_counts c;

  summary_counts_of(&sinput, SUMMARY_ALL_GROUPS, &c);
  ck_assert_int_eq(c.milestones_on_track, 2); /* M1 G, M3 B */
  ck_assert_int_eq(c.milestones, 5);
  ck_assert_int_eq(c.kpis_on_track, 1); /* K3 */
  ck_assert_int_eq(c.kpis, 3);
  ck_assert_uint_eq(c.rated_milestones, 4); /* M5 has no update */
  ck_assert_uint_eq(c.rated_kpis, 3);
  summary_counts_of(&sinput, 0, &c);
  ck_assert_int_eq(c.milestones_on_track, 2);
  ck_assert_int_eq(c.milestones, 4);
  ck_assert_int_eq(c.kpis, 3);
  ck_assert_uint_eq(c.rated_milestones, 4);
  summary_counts_of(&sinput, 1, &c);
  ck_assert_int_eq(c.milestones_on_track, 0);
  ck_assert_int_eq(c.milestones, 1);
  ck_assert_int_eq(c.kpis, 0);
  ck_assert_uint_eq(c.rated_milestones, 0);
  ck_assert_uint_eq(c.rated_kpis, 0);
  summary_counts_of(&sinput, 2, &c);
  ck_assert_int_eq(c.milestones + c.kpis, 0);
}
END_TEST

/* Content negotiation (RFC 9110 12.5.1): weights, the most specific
 * range deciding, ties to the server's order, 0 refusing. */
START_TEST(test_accept_choose)
{
  static const char *const offered[] = {"text/html", "text/markdown", "text/csv",
                                        "application/json"};
  static const struct {
    const char *accept;
    int want;
  } cases[] = {
    {NULL, 0},
    {"", 0},
    {" , ", 0},
    {"*/*", 0},
    {"text/csv", 2},
    {"TEXT/CSV", 2},
    {"application/json", 3},
    {"application/*", 3},
    {"text/*", 0},
    {"text/markdown, text/html", 0}, /* a tie: the server's order */
    {"text/markdown;q=1, text/html;q=0.9", 1},
    {"text/html;q=0.1, application/json;q=0.5", 3},
    {"text/html;level=1;q=0.2, text/csv;q=0.3", 2}, /* other parameters ignored */
    {"text/*;q=0.5, text/html;q=0", 1},             /* the specific range wins */
    {"*/*;q=0.1, application/json", 3},
    {"text/html, */*;q=0", 0},
    {"text/plain", -1},
    {"text/plain, image/png;q=0.5", -1},
    {"*/*;q=0", -1},
    {"text/html;q=0, text/markdown;q=0.000, text/csv;q=0, application/json;q=0", -1},
    {"text/html;q=2, text/csv", 2},            /* q above 1: the range is ignored */
    {"text/html;q=0.1234, text/csv;q=0.2", 2}, /* four decimals: ignored */
    {"text/html;q=abc, application/json;q=0.3", 3},
    /* spaces around ';' are allowed, around '=' not: "q = 0.4" is some other
     * parameter, so text/csv weighs 1 */
    {"text/html ; q=0.3 , text/csv ; q = 0.4", 2},
    {"garbage", -1},
    {"*/html", -1},
    {"text/html;q=0.5,application/json;q=0.50", 0},
    {"text/markdown;q=1.000", 1},
    {"application/json;charset=utf-8", 3},
  };

  for (size_t i = 0; i < N(cases); i++) {
    int got = accept_choose(cases[i].accept, offered, N(offered));

    ck_assert_msg(got == cases[i].want, "Accept: %s: chose %d, not %d",
                  cases[i].accept ? cases[i].accept : "(none)", got, cases[i].want);
  }
  ck_assert_int_eq(accept_choose("text/html", offered, 0), -1);
}
END_TEST

START_TEST(test_summary_group_headline_exceptions)
{
  struct summary_headline h;
  json_t *g = summary_group_json(&sinput, 1), *ex;
  static const struct summary_group idle[] = {{"AAA", "Alpha", false}, {"BBB", "Beta", false}};
  struct summary_input empty = {
    .quarter = "2019-20-Q1", .year = "2019-20", .groups = idle, .ngroups = N(idle)};

  th_expect_str(g, "code", "BBB");
  th_expect_str(g, "name", "Beta");
  th_expect_int(g, "milestones.total", 1);
  th_expect_int(g, "kpis.total", 0);
  json_decref(g);
  /* an inactive group still answers when asked for directly */
  g = summary_group_json(&sinput, 2);
  th_expect_str(g, "code", "ZZZ");
  th_expect_int(g, "milestones.total", 0);
  th_expect_null(g, "milestones.on_track_or_complete_percent");
  json_decref(g);

  summary_headline_of(&sinput, &h);
  ck_assert(h.present);
  ck_assert_str_eq(h.quarter, "2018-19-Q1");
  ck_assert_int_eq(h.milestones_tenths, 400);
  ck_assert_int_eq(h.kpis_tenths, 333);
  summary_headline_of(&empty, &h);
  ck_assert(!h.present);
  ck_assert_int_eq(h.milestones_tenths, -1);
  ck_assert_int_eq(h.kpis_tenths, -1);

  ex = summary_exceptions_json(&sinput);
  ck_assert_uint_eq(json_array_size(ex), 2);
  th_expect_str(ex, "[0].group", "AAA");
  th_expect_str(ex, "[0].code", "M2");
  th_expect_str(ex, "[1].group", "AAA");
  th_expect_str(ex, "[1].code", "K2");
  json_decref(ex);

  g = summary_json(&empty, NULL, NULL);
  ck_assert_uint_eq(json_array_size(th_jget(g, "groups")), 0);
  th_expect_int(g, "overall.milestones.total", 0);
  th_expect_null(g, "overall.milestones.on_track_or_complete_percent");
  th_expect_null(g, "overall.kpis.on_track_percent");
  json_decref(g);
}
END_TEST

/* Problem documents, for handlers and the HTTP layer alike: one writer,
 * exact bytes; field errors only on the answers about fields. */
START_TEST(test_problem_json)
{
  json_t *errors = json_pack("[{s:s, s:s}]", "field", "code", "message", "is required");
  size_t len = 0;
  char *text;

  text = problem_json(RB_ERR_BUSY, "the server is shutting down: nothing was written; retry", NULL,
                      "00ff", &len);
  ck_assert_str_eq(text, "{\"type\":\"urn:ragboard:problem:busy\",\"title\":\"Service busy\","
                         "\"status\":503,\"detail\":\"the server is shutting down: nothing was "
                         "written; retry\",\"instance\":\"urn:ragboard:request:00ff\"}\n");
  ck_assert_uint_eq(len, strlen(text));
  free(text);
  /* no detail: the title; no request: no instance */
  text = problem_json(RB_ERR_NOT_FOUND, "", NULL, NULL, &len);
  ck_assert_str_eq(text, "{\"type\":\"urn:ragboard:problem:not-found\",\"title\":\"Not "
                         "found\",\"status\":404,\"detail\":\"Not found\"}\n");
  free(text);
  text = problem_json(RB_ERR_INVALID, "code is required", errors, "1", &len);
  ck_assert_str_eq(text, "{\"type\":\"urn:ragboard:problem:validation\",\"title\":\"Validation "
                         "failed\",\"status\":422,\"detail\":\"code is required\",\"errors\":"
                         "[{\"field\":\"code\",\"message\":\"is required\"}],\"instance\":"
                         "\"urn:ragboard:request:1\"}\n");
  free(text);
  text = problem_json(RB_ERR_BAD_REQUEST, "x", errors, NULL, &len);
  ck_assert_ptr_nonnull(strstr(text, "\"errors\""));
  free(text);
  /* a 409 for a closed quarter does not carry the field errors noted before */
  text = problem_json(RB_ERR_WINDOW, "quarter 2018-19-Q1 is closed", errors, NULL, &len);
  ck_assert_ptr_null(strstr(text, "\"errors\""));
  ck_assert_ptr_nonnull(strstr(text, "\"status\":409"));
  free(text);
  /* an empty errors array is none */
  json_array_clear(errors);
  text = problem_json(RB_ERR_INVALID, "x", errors, NULL, &len);
  ck_assert_ptr_null(strstr(text, "\"errors\""));
  free(text);
  json_decref(errors);
}
END_TEST

START_TEST(test_summary_cache)
{
  struct response_cache *c = NULL;
  struct cache_blob *b, *held;

  ck_assert_int_eq(cache_new(&c), RB_OK);
  ck_assert_ptr_null(cache_get(c, "summary:2018-19-Q1", "\"v1\"", 0.0, 0));
  cache_put(c, "summary:2018-19-Q1", "\"v1\"", "{\"a\":1}", 7, 10.0);
  b = cache_get(c, "summary:2018-19-Q1", "\"v1\"", 10.5, 0);
  ck_assert_ptr_nonnull(b);
  ck_assert_uint_eq(cache_blob_len(b), 7);
  ck_assert_str_eq(cache_blob_data(b), "{\"a\":1}");
  cache_blob_release(b);
  /* freshness: confirmed at 10.0, so too old for a 1 s window at 11.5 */
  ck_assert_ptr_null(cache_get(c, "summary:2018-19-Q1", "\"v1\"", 11.5, 1.0));
  cache_confirm(c, "summary:2018-19-Q1", "\"v1\"", 11.4);
  b = cache_get(c, "summary:2018-19-Q1", "\"v1\"", 11.5, 1.0);
  ck_assert_ptr_nonnull(b);
  /* hold a reference across a replacement: the bytes stay valid */
  held = b;
  /* another data version or key misses */
  ck_assert_ptr_null(cache_get(c, "summary:2018-19-Q1", "\"v2\"", 12.0, 0));
  ck_assert_ptr_null(cache_get(c, "summary:2018-19-Q2", "\"v1\"", 12.0, 0));
  /* a new version replaces the entry */
  cache_put(c, "summary:2018-19-Q1", "\"v2\"", "[]", 2, 12.0);
  ck_assert_ptr_null(cache_get(c, "summary:2018-19-Q1", "\"v1\"", 12.0, 0));
  b = cache_get(c, "summary:2018-19-Q1", "\"v2\"", 12.0, 0);
  ck_assert_ptr_nonnull(b);
  ck_assert_str_eq(cache_blob_data(b), "[]");
  cache_blob_release(b);
  ck_assert_str_eq(cache_blob_data(held), "{\"a\":1}");
  cache_blob_release(held);
  /* more keys than slots: the cache keeps working */
  for (int i = 0; i < 200; i++) {
    char key[32];

    snprintf(key, sizeof(key), "k%d", i);
    cache_put(c, key, "\"v7\"", key, strlen(key), 20.0 + i);
  }
  b = cache_get(c, "k199", "\"v7\"", 300.0, 0);
  ck_assert_ptr_nonnull(b);
  ck_assert_str_eq(cache_blob_data(b), "k199");
  cache_blob_release(b);
  /* A claim is reported as held only by its holder: a second caller
   * waits (2 s) for a build that does not come and holds nothing. */
  {
    bool claimed = false;

    ck_assert_ptr_null(cache_claim(c, "claim:1", "\"v3\"", &claimed));
    ck_assert(claimed);
    ck_assert_ptr_null(cache_claim(c, "claim:1", "\"v3\"", &claimed));
    ck_assert(!claimed);
    cache_abandon(c, "claim:1", "\"v3\"");
    ck_assert_ptr_null(cache_claim(c, "claim:1", "\"v3\"", &claimed));
    ck_assert(claimed);
    cache_put(c, "claim:1", "\"v3\"", "x", 1, 400.0);
    b = cache_claim(c, "claim:1", "\"v3\"", &claimed);
    ck_assert_ptr_nonnull(b);
    ck_assert(!claimed);
    cache_blob_release(b);
  }
  cache_free(c);
  cache_free(NULL);
}
END_TEST

/* The cache's side of one entry per key whatever the version (api_cache
 * keeps versions out of its keys; views/cache_holds_one_answer_per_url
 * checks that): a put for another version replaces the entry, so versions
 * that can no longer be asked for hold no memory and push out no live
 * answer. */
START_TEST(test_cache_one_entry_per_key)
{
  struct response_cache *c = NULL;
  struct cache_blob *b;
  size_t entries = 9, bytes = 9;
  char version[32];

  ck_assert_int_eq(cache_new(&c), RB_OK);
  cache_usage(c, &entries, &bytes);
  ck_assert_uint_eq(entries, 0);
  ck_assert_uint_eq(bytes, 0);
  cache_put(c, "s|/live", "\"r1\"", "live", 4, 1.0);
  for (int i = 0; i < 300; i++) {
    snprintf(version, sizeof(version), "\"r%d.7\"", i);
    cache_put(c, "l|/view", version, "0123456789", 10, 2.0 + i);
  }
  cache_usage(c, &entries, &bytes);
  ck_assert_uint_eq(entries, 2);
  ck_assert_uint_eq(bytes, 14);
  /* the answer put first is still there, though 300 puts came after it */
  b = cache_get(c, "s|/live", "\"r1\"", 400.0, 0);
  ck_assert_ptr_nonnull(b);
  cache_blob_release(b);
  ck_assert_ptr_null(cache_get(c, "l|/view", "\"r298.7\"", 400.0, 0));
  b = cache_get(c, "l|/view", "\"r299.7\"", 400.0, 0);
  ck_assert_ptr_nonnull(b);
  cache_blob_release(b);
  /* a version too long to keep is neither claimed nor cached */
  {
    char longv[200];
    bool claimed = true;

    memset(longv, 'x', sizeof(longv) - 1);
    longv[sizeof(longv) - 1] = '\0';
    ck_assert_ptr_null(cache_claim(c, "l|/long", longv, &claimed));
    ck_assert(!claimed);
    cache_put(c, "l|/long", longv, "x", 1, 500.0);
    ck_assert_ptr_null(cache_get(c, "l|/long", longv, 500.0, 0));
  }
  cache_free(c);
}
END_TEST

/* ---- JSON validation ---------------------------------------------------------- */

static const char *const dirs[] = {"increase", "decrease", "maintain", NULL};

static const struct {
  enum jv_kind kind;
  unsigned flags;
  const char *json;
  bool ok;
} value_rows[] = {
  {JV_KEY, 0, "\"abc\"", true},
  {JV_KEY, 0, "\"a.b-c_1\"", true},
  {JV_KEY, 0, "\"a b\"", false},
  {JV_KEY, 0, "\"\"", false},
  {JV_KEY, 0, "\"a/b\"", false},
  {JV_KEY, 0, "\"caf\\u00e9\"", false},
  {JV_KEY, 0, "\"0123456789012345678901234567890123456789012345678901234567890123\"", true},
  {JV_KEY, 0, "\"01234567890123456789012345678901234567890123456789012345678901234\"", false},
  {JV_KEY, 0, "5", false},
  {JV_CODE, 0, "\"CH/KPI 1\"", true},
  {JV_CODE, 0, "\"CH1.1\"", true},
  {JV_CODE, 0, "\" CH1\"", false},
  {JV_CODE, 0, "\"CH1 \"", false},
  {JV_CODE, 0, "\"a\\u0001b\"", false},
  {JV_CODE, 0, "\"a\\tb\"", false},
  {JV_CODE, 0, "\"a\\nb\"", false},
  {JV_CODE, 0, "\"a\\u007fb\"", false},
  {JV_CODE, 0, "\"a\\u0000b\"", false},
  {JV_CODE, 0, "\"\"", false},
  {JV_CODE, 0, "1", false},
  {JV_TEXT, 0, "\"line one\\nline two\\ttab\"", true},
  {JV_TEXT, 0, "\"\"", true},
  {JV_TEXT, JV_NONEMPTY, "\"\"", false},
  {JV_TEXT, JV_NONEMPTY, "\"  \\t \"", false},
  {JV_TEXT, JV_NONEMPTY, "\" x \"", true},
  {JV_TEXT, 0, "\"bell\\u0007\"", false},
  {JV_TEXT, 0, "\"nul\\u0000\"", false},
  {JV_TEXT, 0, "12", false},
  {JV_INT, 0, "1", true},
  {JV_INT, 0, "1000000", true},
  {JV_INT, 0, "0", false},
  {JV_INT, 0, "-1", false},
  {JV_INT, 0, "1000001", false},
  {JV_INT, 0, "1.5", false},
  {JV_INT, 0, "\"1\"", false},
  {JV_NUMBER, 0, "1", true},
  {JV_NUMBER, 0, "-2.5", true},
  {JV_NUMBER, 0, "0", true},
  {JV_NUMBER, 0, "\"1\"", false},
  {JV_NUMBER, 0, "true", false},
  {JV_NUMBER, 0, "[1]", false},
  {JV_TEXT_LIST, 0, "[\"a\", \"b\"]", true},
  {JV_TEXT_LIST, 0, "[]", true},
  {JV_TEXT_LIST, 0, "[\"a\", \"\"]", false},
  {JV_TEXT_LIST, 0, "[\"a\", 1]", false},
  {JV_TEXT_LIST, 0, "\"a\"", false},
  {JV_INT_LIST, 0, "[1, 2, 5]", true},
  {JV_INT_LIST, 0, "[3]", true},
  {JV_INT_LIST, 0, "[]", false},
  {JV_INT_LIST, 0, "[1, 1]", false},
  {JV_INT_LIST, 0, "[2, 1, 2]", false},
  {JV_INT_LIST, 0, "[0]", false},
  {JV_INT_LIST, 0, "[-1]", false},
  {JV_INT_LIST, 0, "[1, \"2\"]", false},
  {JV_INT_LIST, 0, "[1.5]", false},
  {JV_INT_LIST, 0, "1", false},
  {JV_ENUM, 0, "\"increase\"", true},
  {JV_ENUM, 0, "\"maintain\"", true},
  {JV_ENUM, 0, "\"Increase\"", false},
  {JV_ENUM, 0, "\"\"", false},
  {JV_ENUM, 0, "1", false},
  {JV_YEAR, 0, "\"2018-19\"", true},
  {JV_YEAR, 0, "\"2018-20\"", false},
  {JV_YEAR, 0, "\"2018-19-Q1\"", false},
  {JV_YEAR, 0, "2018", false},
  {JV_QUARTER, 0, "\"2018-19-Q1\"", true},
  {JV_QUARTER, 0, "\"2018-19-Q5\"", false},
  {JV_QUARTER, 0, "\"2018-19\"", false},
  {JV_QUARTER, 0, "1", false},
  {JV_DATE, 0, "\"2020-02-29\"", true},
  {JV_DATE, 0, "\"2019-02-29\"", false},
  {JV_DATE, 0, "\"2019-2-28\"", false},
  {JV_DATE, 0, "20190228", false},
  {JV_OBJECT, 0, "{}", true},
  {JV_OBJECT, 0, "{\"a\": 1}", true},
  {JV_OBJECT, 0, "[]", false},
};

START_TEST(test_jv_check_value)
{
  size_t i = (size_t)_i;
  json_t *v = parse(value_rows[i].json);
  const char *msg = jv_check_value(v, value_rows[i].kind, value_rows[i].flags, dirs);

  if (value_rows[i].ok)
    ck_assert_msg(msg == NULL, "kind %d %s rejected: %s", value_rows[i].kind, value_rows[i].json,
                  msg);
  else
    ck_assert_msg(msg != NULL && msg[0] != '\0', "kind %d %s accepted", value_rows[i].kind,
                  value_rows[i].json);
  json_decref(v);
}
END_TEST

START_TEST(test_jv_text_limit)
{
  char *big = malloc(JV_MAX_TEXT + 2);
  json_t *v;

  ck_assert_ptr_nonnull(big);
  memset(big, 'x', JV_MAX_TEXT + 1);
  big[JV_MAX_TEXT] = '\0';
  v = json_string(big);
  ck_assert_ptr_null(jv_check_value(v, JV_TEXT, 0, NULL));
  json_decref(v);
  big[JV_MAX_TEXT] = 'x';
  big[JV_MAX_TEXT + 1] = '\0';
  v = json_string(big);
  ck_assert_ptr_nonnull(jv_check_value(v, JV_TEXT, 0, NULL));
  json_decref(v);
  free(big);
}
END_TEST

static const struct jv_field test_fields[] = {
  {"code", JV_KEY, JV_REQUIRED, NULL},
  {"label", JV_CODE, 0, NULL},
  {"name", JV_TEXT, JV_REQUIRED | JV_NONEMPTY, NULL},
  {"count", JV_INT, 0, NULL},
  {"value", JV_NUMBER, JV_NULLABLE, NULL},
  {"tags", JV_TEXT_LIST, 0, NULL},
  {"prios", JV_INT_LIST, 0, NULL},
  {"dir", JV_ENUM, JV_NULLABLE, dirs},
  {"year", JV_YEAR, 0, NULL},
  {"quarter", JV_QUARTER, 0, NULL},
  {"date", JV_DATE, 0, NULL},
  {"extra", JV_OBJECT, JV_NULLABLE, NULL},
};

/* The "field" names of errors, sorted, joined by spaces. */
static void
fields_of(json_t *errors, char *buf, size_t cap)
{
  const char *names[64];
  size_t n = json_array_size(errors), i, used = 0;

  ck_assert_uint_lt(n, 64);
  for (i = 0; i < n; i++) {
    json_t *e = json_array_get(errors, i);

    names[i] = json_string_value(json_object_get(e, "field"));
    ck_assert_ptr_nonnull(names[i]);
    ck_assert_msg(json_is_string(json_object_get(e, "message")) &&
                    json_string_length(json_object_get(e, "message")) > 0,
                  "error %zu has no message", i);
  }
  for (i = 1; i < n; i++)
    for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
      const char *t = names[j];

      names[j] = names[j - 1];
      names[j - 1] = t;
    }
  buf[0] = '\0';
  for (i = 0; i < n; i++)
    used += (size_t)snprintf(buf + used, cap - used, "%s%s", i ? " " : "", names[i]);
}

static void
check_fields(const char *json, const char *prefix, const char *want)
{
  json_t *obj = parse(json), *errors = json_array();
  char got[1024];
  size_t n = jv_check(obj, test_fields, N(test_fields), prefix, errors);

  ck_assert_uint_eq(n, json_array_size(errors));
  fields_of(errors, got, sizeof(got));
  ck_assert_msg(strcmp(got, want) == 0, "%s: errors on [%s], want [%s]", json, got, want);
  json_decref(obj);
  json_decref(errors);
}

START_TEST(test_jv_check)
{
  /* everything valid */
  check_fields("{\"code\": \"a\", \"label\": \"CH/KPI 1\", \"name\": \"n\", \"count\": 3,"
               " \"value\": 1.5, \"tags\": [\"x\"], \"prios\": [1, 2], \"dir\": \"decrease\","
               " \"year\": \"2018-19\", \"quarter\": \"2018-19-Q2\", \"date\": \"2018-08-22\","
               " \"extra\": {\"any\": [1]}}",
               "", "");
  /* optional members may be absent; nullable ones may be null */
  check_fields("{\"code\": \"a\", \"name\": \"n\", \"value\": null, \"dir\": null,"
               " \"extra\": null}",
               "", "");
  /* required */
  check_fields("{}", "", "code name");
  check_fields("{\"code\": null, \"name\": \"n\"}", "", "code");
  /* null where not nullable */
  check_fields("{\"code\": \"a\", \"name\": \"n\", \"count\": null, \"label\": null}", "",
               "count label");
  /* unknown members */
  check_fields("{\"code\": \"a\", \"name\": \"n\", \"bogus\": 1, \"Code\": \"x\"}", "",
               "Code bogus");
  /* every kind wrong at once, with a prefix */
  check_fields("{\"code\": \"a b\", \"label\": \" x\", \"name\": \"  \", \"count\": 0,"
               " \"value\": \"1\", \"tags\": [\"\"], \"prios\": [1, 1], \"dir\": \"up\","
               " \"year\": \"2018-20\", \"quarter\": \"2018-19-Q0\", \"date\": \"2019-02-29\","
               " \"extra\": [], \"zzz\": true}",
               "kpis[3]",
               "kpis[3].code kpis[3].count kpis[3].date kpis[3].dir kpis[3].extra"
               " kpis[3].label kpis[3].name kpis[3].prios kpis[3].quarter kpis[3].tags"
               " kpis[3].value kpis[3].year kpis[3].zzz");
  check_fields("{\"code\": \"\", \"name\": \"n\", \"prios\": [0]}", "milestones[0].updates[1]",
               "milestones[0].updates[1].code milestones[0].updates[1].prios");
}
END_TEST

/* JSON Schema counts 3.0 as an integer: integer members and list items
 * written as whole decimals pass, and are integers afterwards. */
START_TEST(test_jv_check_whole_decimals)
{
  json_t *errors = json_array(), *obj = parse("{\"code\": \"a\", \"name\": \"n\", \"count\": 3.0,"
                                              " \"prios\": [1.0, 2, 3e0], \"value\": 2.0}");

  ck_assert_uint_eq(jv_check(obj, test_fields, N(test_fields), "", errors), 0);
  ck_assert(json_is_integer(json_object_get(obj, "count")));
  ck_assert_int_eq(json_integer_value(json_object_get(obj, "count")), 3);
  for (size_t i = 0; i < 3; i++) {
    json_t *item = json_array_get(json_object_get(obj, "prios"), i);

    ck_assert_msg(json_is_integer(item), "prios[%zu] is not an integer", i);
    ck_assert_int_eq(json_integer_value(item), (json_int_t)i + 1);
  }
  /* a number field is left as it was written */
  ck_assert(json_is_real(json_object_get(obj, "value")));
  json_decref(obj);
  json_decref(errors);
  /* a fraction, or a decimal past 2^53 (no longer one integer), is not */
  check_fields("{\"code\": \"a\", \"name\": \"n\", \"count\": 3.5}", "", "count");
  check_fields("{\"code\": \"a\", \"name\": \"n\", \"count\": 1e300}", "", "count");
  check_fields("{\"code\": \"a\", \"name\": \"n\", \"prios\": [1, 2.5]}", "", "prios");
  check_fields("{\"code\": \"a\", \"name\": \"n\", \"prios\": [1.0, 1]}", "", "prios");
  check_fields("{\"code\": \"a\", \"name\": \"n\", \"count\": 18014398509481984.0}", "", "count");
  /* within range and whole, but out of the field's range: refused as such */
  check_fields("{\"code\": \"a\", \"name\": \"n\", \"count\": 0.0}", "", "count");
  obj = parse("{\"code\": \"a\", \"name\": \"n\", \"count\": 1e16}");
  errors = json_array();
  ck_assert_uint_eq(jv_check(obj, test_fields, N(test_fields), "", errors), 1);
  ck_assert_str_eq(json_string_value(th_jget(errors, "[0].message")),
                   "must be between 1 and 1000000");
  json_decref(obj);
  json_decref(errors);
}
END_TEST

START_TEST(test_jv_check_details)
{
  json_t *errors = json_array(),
         *obj = parse("{\"code\": \"a\", \"name\": \"n\", \"dir\": \"up\"}");
  const char *msg;

  /* errors already present are kept and not counted */
  jv_error(errors, "", "earlier", "was already wrong");
  ck_assert_uint_eq(jv_check(obj, test_fields, N(test_fields), "kpis[3]", errors), 1);
  ck_assert_uint_eq(json_array_size(errors), 2);
  th_expect_str(errors, "[0].field", "earlier");
  th_expect_str(errors, "[1].field", "kpis[3].dir");
  /* an enum error names the choices */
  msg = json_string_value(th_jget(errors, "[1].message"));
  ck_assert_ptr_nonnull(strstr(msg, "increase"));
  ck_assert_ptr_nonnull(strstr(msg, "maintain"));
  json_decref(obj);

  /* jv_error joins names: '.' before a member, nothing before an index */
  jv_error(errors, "kpis[3]", "[0]", "index");
  jv_error(errors, "kpis[3]", "code", "member %d", 7);
  jv_error(errors, NULL, "top", "no prefix");
  th_expect_str(errors, "[2].field", "kpis[3][0]");
  th_expect_str(errors, "[3].field", "kpis[3].code");
  th_expect_str(errors, "[3].message", "member 7");
  th_expect_str(errors, "[4].field", "top");
  json_decref(errors);
}
END_TEST

START_TEST(test_jv_utf8)
{
  json_t *errors = json_array();
  char cut[] = "caf\xc3", bad[] = "a\xff\xc0\x80\xed\xa0\x80z\xe2\x82\xac";
  char key[300];

  ck_assert(jv_utf8_valid("", 0));
  ck_assert(jv_utf8_valid("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14));
  ck_assert(!jv_utf8_valid(cut, strlen(cut)));
  ck_assert(!jv_utf8_valid("\xc0\x80", 2));         /* overlong */
  ck_assert(!jv_utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
  ck_assert(!jv_utf8_valid("\xf4\x90\x80\x80", 4)); /* past U+10FFFF */
  jv_utf8_clean(cut);
  ck_assert_str_eq(cut, "caf?");
  jv_utf8_clean(bad);
  ck_assert_str_eq(bad, "a??????z\xe2\x82\xac");
  /* A field name cut mid-character (found by fuzz_validators) is still
   * reported, not dropped because json_pack refuses it. */
  for (size_t i = 0; i + 2 < sizeof(key); i += 2)
    memcpy(key + i, "\xc3\xa9", 2);
  key[sizeof(key) - 2] = 'x';
  key[sizeof(key) - 1] = '\0';
  jv_error(errors, "", key, "is not a known field");
  jv_error(errors, "p", "f", "quotes %.3s", "\xc3\xa9\xc3\xa9");
  ck_assert_uint_eq(json_array_size(errors), 2);
  ck_assert_str_eq(json_string_value(th_jget(errors, "[1].message")), "quotes \xc3\xa9?");
  json_decref(errors);
}
END_TEST

START_TEST(test_jv_depth)
{
  static const struct {
    const char *text;
    int want;
  } rows[] = {
    {"123", 0},
    {"\"text\"", 0},
    {"[]", 1},
    {"{}", 1},
    {"[[[]]]", 3},
    {"{\"a\": [{}]}", 3},
    {"[1, [2], [3, [4]]]", 3},
    {"[[], [], []]", 2},
    {"\"[[[[\"", 0},
    {"[\"[[[{{{\"]", 1},
    {"[\"]]]\\\"[[[\"]", 1}, /* escaped quote keeps the string open */
    {"[\"\\\\\", [[]]]", 3}, /* escaped backslash does not */
    {"{\"k[\": {\"v{\": \"]\"}}", 2},
  };

  for (size_t i = 0; i < N(rows); i++) {
    int got = jv_depth(rows[i].text, strlen(rows[i].text), 100);

    ck_assert_msg(got == rows[i].want, "%s: depth %d, want %d", rows[i].text, got, rows[i].want);
  }
  /* len bounds the scan */
  ck_assert_int_eq(jv_depth("[[[[", 2, 100), 2);
  /* stop: counting ends once past it */
  {
    char deep[20001];

    memset(deep, '[', 20000);
    deep[20000] = '\0';
    ck_assert_int_gt(jv_depth(deep, 20000, 32), 32);
    ck_assert_int_eq(jv_depth("[[[]]]", 6, 2), 3);
  }
}
END_TEST

/* ---- utilities ---------------------------------------------------------------- */

START_TEST(test_util_cursor)
{
  static const char *const keys[] = {"a",           "ab",
                                     "abc",         "CYP",
                                     "12345",       "2018-19/CH/KPI 1",
                                     "\xff\xfe?>~", "key with spaces and + / ="};
  char buf[128];

  for (size_t i = 0; i < N(keys); i++) {
    char *c = NULL;

    ck_assert_int_eq(util_cursor_encode(keys[i], &c), RB_OK);
    ck_assert_ptr_nonnull(c);
    ck_assert_msg(strspn(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
                    strlen(c),
                  "cursor %s is not URL-safe", c);
    ck_assert(util_cursor_decode(c, buf, sizeof(buf)));
    ck_assert_str_eq(buf, keys[i]);
    /* too small a buffer is refused, not truncated */
    ck_assert(!util_cursor_decode(c, buf, strlen(keys[i])));
    free(c);
  }
  {
    static const char *const garbage[] = {
      "", "!!!!", "a", "abc$", "YWJj=", "YW Jj", "Y+Jj", "YW/j", "AAA" /* decodes to NUL bytes */};

    for (size_t i = 0; i < N(garbage); i++)
      ck_assert_msg(!util_cursor_decode(garbage[i], buf, sizeof(buf)), "\"%s\" accepted",
                    garbage[i]);
    ck_assert(!util_cursor_decode(NULL, buf, sizeof(buf)));
    ck_assert(!util_cursor_decode("YWJj", buf, 1));
  }
}
END_TEST

START_TEST(test_util_parse_int64)
{
  static const struct {
    const char *s;
    bool ok;
    int64_t want;
  } rows[] = {
    {"0", true, 0},
    {"-0", true, 0},
    {"42", true, 42},
    {"-42", true, -42},
    {"007", true, 7},
    {"9223372036854775807", true, INT64_MAX},
    {"-9223372036854775808", true, INT64_MIN},
    {"9223372036854775808", false, 0},
    {"-9223372036854775809", false, 0},
    {"99999999999999999999999", false, 0},
    {"", false, 0},
    {"-", false, 0},
    {"+1", false, 0},
    {" 1", false, 0},
    {"1 ", false, 0},
    {"1a", false, 0},
    {"0x10", false, 0},
    {"1.0", false, 0},
    {"--1", false, 0},
    {"1e3", false, 0},
  };

  for (size_t i = 0; i < N(rows); i++) {
    int64_t v = 12345;
    bool ok = util_parse_int64(rows[i].s, &v);

    ck_assert_msg(ok == rows[i].ok, "\"%s\": ok %d", rows[i].s, ok);
    if (ok)
      ck_assert_msg(v == rows[i].want, "\"%s\": got %lld", rows[i].s, (long long)v);
    else
      ck_assert_msg(v == 12345, "\"%s\": output written on failure", rows[i].s);
  }
  {
    int64_t v;

    ck_assert(!util_parse_int64(NULL, &v));
  }
}
END_TEST

START_TEST(test_util_misc)
{
  char now[UTIL_TIME_LEN], *s;

  util_now(now);
  ck_assert_uint_eq(strlen(now), UTIL_TIME_LEN - 1);
  ck_assert_int_eq(now[4], '-');
  ck_assert_int_eq(now[10], 'T');
  ck_assert_int_eq(now[19], '.');
  ck_assert_int_eq(now[23], 'Z');
  ck_assert_ptr_null(quarter_parse_date((char[11]){now[0], now[1], now[2], now[3], now[4], now[5],
                                                   now[6], now[7], now[8], now[9], '\0'}));
  s = util_asprintf("%s-%d", "x", 42);
  ck_assert_str_eq(s, "x-42");
  free(s);
  ck_assert_uint_eq(rb_err_status(RB_ERR_NOT_FOUND), 404);
  ck_assert_uint_eq(rb_err_status(RB_ERR_INVALID), 422);
  ck_assert_uint_eq(rb_err_status(RB_ERR_CONFLICT), 409);
  ck_assert_uint_eq(rb_err_status((enum rb_err)999), 500);
}
END_TEST

/* The audit trail's canonical text is written by hand on the write path; it
 * must be byte for byte what jansson writes for the same entry (the format
 * of every hash already in a trail), whatever the strings hold. */
START_TEST(test_audit_canonical_matches_jansson)
{
  const size_t flags = JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17) | JSON_ENCODE_ANY;
  const char *strings[] = {
    "plain",
    "",
    "quote \" and backslash \\",
    "slash / stays",
    "tab\tnl\ncr\rff\fbs\b",
    "\x01\x02\x1f\x7f controls",
    "caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x98\x80 utf-8",
    "</script>",
    "{\"json\": [1, 2]}",
    "\xe2\x80\xa8 line separator",
  };
  size_t ns = sizeof(strings) / sizeof(strings[0]);

  for (size_t i = 0; i < ns * 3; i++) {
    const char *a = strings[i % ns], *b = strings[(i * 7 + 3) % ns];
    json_t *before = i % 3 == 0 ? NULL
                                : json_pack("{s:s, s:f, s:I, s:n, s:b, s:[s, f]}", "comment", a,
                                            "value", 1.0 / 3.0, "n", (json_int_t)i, "gone", "flag",
                                            (int)(i & 1), "list", b, 1e300);
    json_t *after = i % 4 == 1 ? NULL
                               : json_pack("{s:s, s:f, s:{s:s}}", "z", b, "value", -0.0 - (double)i,
                                           "nested", "k\"", a);
    struct store_audit e = {
      .at = "2026-11-22T10:00:00.123Z",
      .actor_id = (int64_t)i * 1000003,
      .actor_name = a,
      .actor_role = "submitter",
      .actor_org = i % 2 ? b : NULL,
      .action = "reading.put",
      .entity = "kpi_reading",
      .entity_id = (int64_t)i - 5,
      .code = i % 5 ? a : NULL,
      .quarter = i % 3 ? "2018-19-Q1" : NULL,
      .request_id = i % 6 ? b : NULL,
    };
    json_t *actor = json_pack("{s:I, s:s?, s:s?, s:s?}", "id", (json_int_t)e.actor_id, "name",
                              e.actor_name, "role", e.actor_role, "organisation", e.actor_org);
    json_t *canon =
      json_pack("{s:I, s:s, s:o, s:s, s:s, s:I, s:s?, s:s?, s:O?, s:O?, s:s?}", "id",
                (json_int_t)(i + 1), "at", e.at, "actor", actor, "action", e.action, "entity",
                e.entity, "entity_id", (json_int_t)e.entity_id, "code", e.code, "quarter",
                e.quarter, "before", before, "after", after, "request_id", e.request_id);
    char *want, *got, *bt = before ? json_dumps(before, flags) : NULL,
                      *at = after ? json_dumps(after, flags) : NULL;

    ck_assert_ptr_nonnull(canon);
    want = json_dumps(canon, flags);
    got = store_audit_canonical((int64_t)i + 1, &e, bt, at);
    ck_assert_ptr_nonnull(got);
    ck_assert_msg(strcmp(want, got) == 0, "entry %zu:\n jansson: %s\n ours:    %s", i, want, got);
    free(want);
    free(got);
    free(bt);
    free(at);
    json_decref(canon);
    json_decref(before);
    json_decref(after);
  }
}
END_TEST

/* Every CSV cell ragboard writes goes through csv_cell's rules: a text cell
 * that a spreadsheet would run as a formula (=, +, -, @, tab, carriage
 * return first) gets a single quote in front (OWASP); a number cell stays a
 * number, but only when it is one. */
START_TEST(test_csv_cells)
{
  static const struct {
    const char *in;
    bool number;
    const char *out;
  } cases[] = {
    {"plain", false, "plain"},
    {"", false, ""},
    {NULL, false, ""},
    {"=HYPERLINK(\"http://x\",\"y\")", false, "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""},
    {"=1+2", false, "'=1+2"},
    {"+SUM(1,2)", false, "\"'+SUM(1,2)\""},
    {"-2+3+cmd|' /C calc'!A0", false, "'-2+3+cmd|' /C calc'!A0"},
    {"@SUM(1)", false, "'@SUM(1)"},
    {"\tx", false, "'\tx"},
    {"\rx", false, "\"'\rx\""},
    {"a=b", false, "a=b"},
    {" =1", false, " =1"},
    {"-2.5", false, "'-2.5"}, /* text: a code or a name that looks like a number */
    {"-2.5", true, "-2.5"},   /* a number stays one */
    {"12", true, "12"},
    {"1e-07", true, "1e-07"},
    {"-0", true, "-0"},
    {"-2+3", true, "'-2+3"}, /* not a number: text, neutralised */
    {"=1", true, "'=1"},
    {"-", true, "'-"},
    {"1.", true, "1."},
    {"a,b", false, "\"a,b\""},
    {"say \"hi\"", false, "\"say \"\"hi\"\"\""},
    {"l1\nl2", false, "\"l1\nl2\""},
    {"caf\xc3\xa9", false, "caf\xc3\xa9"},
  };

  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    char *got = csv_cell(cases[i].in, cases[i].number);

    ck_assert_ptr_nonnull(got);
    ck_assert_msg(strcmp(got, cases[i].out) == 0, "case %zu (%s): got [%s], want [%s]", i,
                  cases[i].in ? cases[i].in : "NULL", got, cases[i].out);
    free(got);
  }
  /* a record: cells joined by commas, CRLF at the end, each cell as above */
  {
    struct csv_out out = {NULL, 0, 0, false, false};
    size_t len = 0;
    char *text;

    csv_number(&out, "-1");
    csv_text(&out, "-1");
    csv_text(&out, NULL);
    csv_end_row(&out);
    csv_text(&out, "@x");
    csv_end_row(&out);
    text = csv_finish(&out, &len);
    ck_assert_str_eq(text, "-1,'-1,\r\n'@x\r\n");
    ck_assert_uint_eq(len, strlen(text));
    free(text);
  }
}
END_TEST

/* The one escaping writer for markup: stored text can never open a tag, an
 * entity or an attribute, and what it writes is well-formed XML whatever
 * the bytes (controls and broken UTF-8 become U+FFFD). */
START_TEST(test_html_escape)
{
  static const struct {
    const char *in;
    const char *text; /* html_text */
    const char *attr; /* html_attr */
  } cases[] = {
    {"plain", "plain", "plain"},
    {"", "", ""},
    {"<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;",
     "&lt;script&gt;alert(1)&lt;/script&gt;"},
    {"<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;",
     "&lt;img src=x onerror=alert(1)&gt;"},
    {"a & b \"c\" 'd'", "a &amp; b &quot;c&quot; &#39;d&#39;",
     "a &amp; b &quot;c&quot; &#39;d&#39;"},
    {"&amp;", "&amp;amp;", "&amp;amp;"},
    {"l1\nl2\tx\r", "l1\nl2\tx\r", "l1&#10;l2&#9;x&#13;"},
    {"bell\x07", "bell\xef\xbf\xbd", "bell\xef\xbf\xbd"},
    {"caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x98\x80",
     "caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x98\x80"},
    {"bad\xff\xc3", "bad\xef\xbf\xbd\xef\xbf\xbd", "bad\xef\xbf\xbd\xef\xbf\xbd"},
    {"over\xc0\xaflong", "over\xef\xbf\xbd\xef\xbf\xbdlong", "over\xef\xbf\xbd\xef\xbf\xbdlong"},
    {"sur\xed\xa0\x80", "sur\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd",
     "sur\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
  };

  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    struct textbuf t = TEXTBUF_INIT, a = TEXTBUF_INIT;
    char *gt, *ga;

    textbuf_lit(&t, "[");
    html_text(&t, cases[i].in);
    textbuf_lit(&t, "]");
    html_attr(&a, cases[i].in);
    gt = textbuf_finish(&t, NULL);
    ga = textbuf_finish(&a, NULL);
    ck_assert_ptr_nonnull(gt);
    ck_assert_ptr_nonnull(ga);
    ck_assert_msg(strncmp(gt, "[", 1) == 0 && strlen(gt) == strlen(cases[i].text) + 2 &&
                    strncmp(gt + 1, cases[i].text, strlen(cases[i].text)) == 0,
                  "text case %zu: got %s", i, gt);
    ck_assert_msg(strcmp(ga, cases[i].attr) == 0, "attr case %zu: got %s", i, ga);
    free(gt);
    free(ga);
  }
  {
    struct textbuf b = TEXTBUF_INIT;
    size_t len = 99;
    char *s;

    s = textbuf_finish(&b, &len); /* nothing written: "" */
    ck_assert_str_eq(s, "");
    ck_assert_uint_eq(len, 0);
    free(s);
    textbuf_printf(&b, "<svg width=\"%d\">", 640);
    html_text(&b, NULL);
    s = textbuf_finish(&b, &len);
    ck_assert_str_eq(s, "<svg width=\"640\">");
    ck_assert_uint_eq(len, strlen(s));
    free(s);
  }
}
END_TEST

/* ---- the writer's fair queue ------------------------------------------------ */

/* Push items for keys (a string, one letter a key), charging each popped
 * item `cost` seconds when it is popped, and return the pop order as a
 * string of keys. */
struct wq_step {
  const char *push;   /* keys pushed before anything is popped */
  const char *charge; /* per key: "a=1.0,b=0" style costs, parsed below */
  const char *want;   /* keys in the order they come out */
};

START_TEST(test_writeq_order)
{
  static const struct wq_step rows[] = {
    /* one token: first in, first out */
    {"aaaa", "", "aaaa"},
    /* equal costs: taken in turn, ties by arrival */
    {"aaabbb", "a=1,b=1", "ababab"},
    {"abab", "", "abab"},
    /* a token that has had more of the writer waits for the others */
    {"aaaab", "a=1", "abaaa"},
    {"aaaabc", "a=1,b=1,c=1", "abcaaa"},
    /* a cheap token is served as often as the costly one allows */
    {"aaaabbbb", "a=3,b=1", "abbbabaa"},
  };
  static struct writeq q;
  struct writeq_item items[16];

  for (size_t r = 0; r < N(rows); r++) {
    char got[32] = "";
    size_t n = strlen(rows[r].push), i;
    double cost[26] = {0};
    const char *c = rows[r].charge;

    while (*c != '\0') {
      cost[c[0] - 'a'] = strtod(c + 2, (char **)&c);
      if (*c == ',')
        c++;
    }
    writeq_init(&q);
    for (i = 0; i < n; i++)
      writeq_push(&q, &items[i], (uint64_t)rows[r].push[i]);
    for (i = 0; i < n; i++) {
      struct writeq_item *it = writeq_pop(&q);

      ck_assert_ptr_nonnull(it);
      got[i] = (char)it->key;
      writeq_charge(&q, it, cost[it->key - 'a']);
    }
    ck_assert_ptr_null(writeq_pop(&q));
    ck_assert_msg(strcmp(got, rows[r].want) == 0, "push %s, costs %s: got %s, wanted %s",
                  rows[r].push, rows[r].charge, got, rows[r].want);
  }
}
END_TEST

/* A token that floods keeps its account between requests (one at a time,
 * as a client waiting for each answer sends them), and an idle token's
 * time away is no credit for a burst later. */
START_TEST(test_writeq_accounts)
{
  static struct writeq q;
  struct writeq_item flood, other, burst[3];
  struct writeq_item *it;

  writeq_init(&q);
  for (int i = 0; i < 5; i++) { /* the flood: one return at a time, 1 s each */
    writeq_push(&q, &flood, 1);
    it = writeq_pop(&q);
    ck_assert_ptr_eq(it, &flood);
    writeq_charge(&q, it, 1.0);
  }
  writeq_push(&q, &flood, 1);
  writeq_push(&q, &other, 2); /* arrives after the flood's next return: goes first */
  ck_assert_ptr_eq(writeq_pop(&q), &other);
  writeq_charge(&q, &other, 0.001);
  ck_assert_ptr_eq(writeq_pop(&q), &flood);
  writeq_charge(&q, &flood, 1.0);
  /* token 2 was idle while the flood ran: its burst shares, it does not
   * take the writer for 5 s */
  writeq_push(&q, &flood, 1);
  for (int i = 0; i < 3; i++)
    writeq_push(&q, &burst[i], 2);
  it = writeq_pop(&q);
  ck_assert_ptr_eq(it, &burst[0]);
  writeq_charge(&q, it, 1.0);
  it = writeq_pop(&q);
  ck_assert_ptr_eq(it, &flood);
  writeq_charge(&q, it, 1.0);
  ck_assert_ptr_eq(writeq_pop(&q), &burst[1]);
}
END_TEST

/* More tokens at once than lanes: they share lanes, and nothing is lost. */
START_TEST(test_writeq_many_tokens)
{
  static struct writeq q;
  static struct writeq_item items[3 * WRITEQ_LANES];
  static bool seen[3 * WRITEQ_LANES];
  size_t n = 3 * WRITEQ_LANES;

  writeq_init(&q);
  for (size_t i = 0; i < n; i++)
    writeq_push(&q, &items[i], writeq_key(i % 2 ? "Bearer rb1_1_x" : NULL) + i);
  for (size_t i = 0; i < n; i++) {
    struct writeq_item *it = writeq_pop(&q);

    ck_assert_ptr_nonnull(it);
    ck_assert(!seen[it - items]);
    seen[it - items] = true;
    writeq_charge(&q, it, 0.5);
  }
  ck_assert_ptr_null(writeq_pop(&q));
  ck_assert_uint_eq(q.n, 0);
  ck_assert(writeq_key("Bearer a") != writeq_key("Bearer b"));
}
END_TEST

/* A request's route, looked up once: the table's order, HEAD served as
 * GET, path segments decoded one by one (an escaped literal segment
 * included), the Allow list when no method matches, faults. */
START_TEST(test_router_match)
{
  static const struct {
    const char *method, *path, *pattern, *param, *allow, *fault;
  } rows[] = {
    {"GET", "/api/v1/groups", "/api/v1/groups", NULL, NULL, NULL},
    {"HEAD", "/api/v1/groups/CYP", "/api/v1/groups/{code}", "CYP", NULL, NULL},
    {"GET", "/api/v1/gr%6Fups/CYP", "/api/v1/groups/{code}", "CYP", NULL, NULL},
    {"GET", "/api/v1/milestones/12%2F3", "/api/v1/milestones/{id}", "12/3", NULL, NULL},
    {"PUT", "/api/v1/kpis/7/readings/2018-19-Q2", "/api/v1/kpis/{id}/readings/{quarter}", "7", NULL,
     NULL},
    {"PATCH", "/api/v1/summary", NULL, NULL, "GET, HEAD", NULL},
    {"OPTIONS", "/api/v1/groups/CYP", NULL, NULL, "GET, HEAD, PATCH, DELETE", NULL},
    {"GET", "/api/v1/groups/", NULL, NULL, "", NULL},
    {"GET", "/api/v1/nothing", NULL, NULL, "", NULL},
    {"GET", "/api/v1/groups/C%zz", NULL, NULL, "", "broken percent-escape"},
    {"GET", "/api/v1/groups/C%00", NULL, NULL, "", "encoded NUL"},
  };

  for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
    struct router_match m;
    char allow[128];

    router_match(rows[i].method, rows[i].path, &m);
    if (rows[i].pattern == NULL) {
      ck_assert_msg(m.route == NULL, "%s %s matched %s", rows[i].method, rows[i].path,
                    m.route->pattern);
    } else {
      ck_assert_msg(m.route != NULL, "%s %s matched nothing", rows[i].method, rows[i].path);
      ck_assert_str_eq(m.route->pattern, rows[i].pattern);
    }
    if (rows[i].param != NULL) {
      ck_assert_uint_ge(m.nparams, 1);
      ck_assert_str_eq(m.params[0], rows[i].param);
    }
    if (rows[i].allow != NULL) {
      router_allow(&m, allow, sizeof(allow));
      ck_assert_str_eq(allow, rows[i].allow);
      ck_assert(m.path_known == (rows[i].allow[0] != '\0'));
    }
    if (rows[i].fault != NULL)
      ck_assert_ptr_nonnull(strstr(m.fault != NULL ? m.fault : "", rows[i].fault));
    else
      ck_assert_ptr_null(m.fault);
  }
}
END_TEST

static Suite *
unit_suite(void)
{
  Suite *s = suite_create("unit");
  TCase *tc;

  tc = tcase_create("audit");
  tcase_add_test(tc, test_audit_canonical_matches_jansson);
  tcase_add_test(tc, test_csv_cells);
  tcase_add_test(tc, test_html_escape);
  suite_add_tcase(s, tc);
  tc = tcase_create("quarter");
  tcase_add_test(tc, test_quarter_parse_valid);
  tcase_add_test(tc, test_utf8_trim_cut);
  tcase_add_test(tc, test_parse_time);
  tcase_add_test(tc, test_quarter_parse_invalid);
  tcase_add_test(tc, test_quarter_parse_year);
  tcase_add_test(tc, test_quarter_parse_date);
  tcase_add_test(tc, test_quarter_arithmetic);
  tcase_add_test(tc, test_quarter_format);
  tcase_add_test(tc, test_quarter_cmp);
  suite_add_tcase(s, tc);

  tc = tcase_create("rag");
  tcase_add_loop_test(tc, test_rag_rate_kpi, 0, (int)N(rate_rows));
  tcase_add_test(tc, test_rag_effective_disagrees);
  tcase_add_test(tc, test_rag_parse);
  tcase_add_test(tc, test_rag_code_direction);
  suite_add_tcase(s, tc);

  tc = tcase_create("summary");
  tcase_add_test(tc, test_summary_tenths);
  tcase_add_test(tc, test_summary_json);
  tcase_add_test(tc, test_summary_group_headline_exceptions);
  tcase_add_test(tc, test_summary_counts);
  tcase_add_test(tc, test_accept_choose);
  tcase_add_test(tc, test_summary_cache);
  tcase_add_test(tc, test_cache_one_entry_per_key);
  tcase_add_test(tc, test_problem_json);
  suite_add_tcase(s, tc);

  tc = tcase_create("jsonv");
  tcase_add_loop_test(tc, test_jv_check_value, 0, (int)N(value_rows));
  tcase_add_test(tc, test_jv_text_limit);
  tcase_add_test(tc, test_jv_check);
  tcase_add_test(tc, test_jv_check_whole_decimals);
  tcase_add_test(tc, test_jv_check_details);
  tcase_add_test(tc, test_jv_depth);
  tcase_add_test(tc, test_jv_utf8);
  suite_add_tcase(s, tc);

  tc = tcase_create("writeq");
  tcase_add_test(tc, test_writeq_order);
  tcase_add_test(tc, test_writeq_accounts);
  tcase_add_test(tc, test_writeq_many_tokens);
  suite_add_tcase(s, tc);

  tc = tcase_create("router");
  tcase_add_test(tc, test_router_match);
  suite_add_tcase(s, tc);

  tc = tcase_create("util");
  tcase_add_test(tc, test_util_cursor);
  tcase_add_test(tc, test_util_parse_int64);
  tcase_add_test(tc, test_util_misc);
  suite_add_tcase(s, tc);
  return s;
}

int
main(void)
{
  return th_run(unit_suite());
}
