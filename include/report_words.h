/* The words and figures of the board report: percentages as the report
 * prints them, quarters and dates in words, change arrows with their words,
 * and every sentence the report says about its numbers. One place, so the
 * HTML, Markdown, CSV and JSON forms of a report say the same thing.
 * Pure: no I/O, no clock, no globals. Strings are UTF-8.
 *
 * Functions answering char * return a new string the caller frees, or
 * NULL when out of memory. */
#ifndef RAGBOARD_REPORT_WORDS_H
#define RAGBOARD_REPORT_WORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REPORT_WORDS_LEN 64 /* room for any quarter, year or date in words */

/* count * 100 / total rounded half up to a whole percent, from the exact
 * fraction (not from summary.c's tenths: 5 of 11 is 45.45...%, printed
 * 45%, where rounding the tenths 45.5 again would print 46%); -1 when
 * total <= 0 (no figure). */
int report_percent(int64_t count, int64_t total);

/* "2019-20-Q1" -> "Quarter 1 2019/20, April–June 2019" (the financial year
 * runs April to March: Q4 2019/20 is January–March 2020). False when id is
 * not a quarter id. */
bool report_quarter_words(const char *id, char out[REPORT_WORDS_LEN]);
/* "2019-20-Q1" -> "Q1 2019/20". */
bool report_quarter_short(const char *id, char out[REPORT_WORDS_LEN]);
/* "2019-20" -> "2019/20". */
bool report_year_words(const char *year, char out[REPORT_WORDS_LEN]);
/* "2019-08-21" -> "21/08/2019" (the report's dates). False when iso is
 * not a valid date. */
bool report_date_words(const char *iso, char out[REPORT_WORDS_LEN]);

/* A change between two printed (whole) percentages. Higher is better for
 * every figure the report compares (on track, on track or complete). */
enum report_change { REPORT_SAME = 0, REPORT_UP, REPORT_DOWN };
enum report_change report_change_of(int before, int after);
/* "↑", "↓", "→": never printed without report_change_word beside it. */
const char *report_change_arrow(enum report_change c);
/* "up", "down", "no change". */
const char *report_change_word(enum report_change c);
/* A KPI's direction of travel ("improving", "same", "worsening"): its
 * arrow ("↑" better, "→" same, "↓" worse: the arrow says better or worse,
 * not whether the value rose, so a falling length of stay that improves
 * shows ↑), or NULL for anything else. */
const char *report_travel_arrow(const char *travel);

/* "1 milestone", "2 milestones", "no milestones". */
char *report_count_words(int64_t n, const char *singular, const char *plural);

/* The group headline: "56% of milestones are on track or complete and 53%
 * of KPIs are on track"; a part with no items says so ("there are no
 * KPIs"). Percentages are whole (report_percent), -1 for none. */
char *report_headline(int milestones_pct, int kpis_pct);
/* "4% of milestones are red" (kpi: "of KPIs"). */
char *report_red_headline(bool kpi, int red_pct);
/* The exceptions' count sentence: "There are 14 KPIs in total, of which 2
 * are red:" ("There is 1 milestone in total, of which 1 is red:"; none
 * red: "…, none of which is red."; none at all: "There are no KPIs."). */
char *report_count_sentence(bool kpi, int64_t total, int64_t red);
/* The overall position: "43% of milestones are on track or complete for
 * Q1 2019/20 compared to 57% in the same period last year" (KPIs: "are on
 * track"). last_year_pct -1: "…; there is no figure for the same period
 * last year". pct -1: "There are no milestones for Q1 2019/20". */
char *report_position_sentence(bool kpi, int pct, const char *quarter_short, int last_year_pct);
/* A comparison cell: "↓ down 4 percentage points from 61% in Q4 2017/18",
 * "↑ up 1 percentage point from …", "→ no change from 57% in …"; with
 * either figure missing (-1): "no figure to compare for Q4 2017/18". */
char *report_change_phrase(int before, int after, const char *quarter_short);
/* Direction-of-travel counts: "Against the previous quarter, 5 KPIs are
 * improving, 3 are the same and 1 is worsening; 4 have no direction of
 * travel." (parts with 0 are left out; all 0: "No KPI has a direction of
 * travel yet."). */
char *report_travel_sentence(int64_t improving, int64_t same, int64_t worsening, int64_t none);
/* "ICP Delivery Team – 21/08/2019, ICP Place Board – 04/09/2019"; a body
 * with no date: "ICP Place Board – date to be confirmed". Dates ISO. */
char *report_approval_history(const char *delivery_team, const char *delivery_team_date,
                              const char *place_board, const char *place_board_date);
/* What the report computed, for its key: "Every count, percentage,
 * headline and comparison in this report is computed by ragboard from the
 * ratings stored for Q1 2019/20, ..., not typed in: ..." (the counting
 * rules in words). */
char *report_method_sentence(const char *quarter_short);
/* A KPI tolerance: relative 2 -> "2%", absolute 0.5 -> "0.5" (at most 3
 * decimals, no trailing zeros). */
char *report_tolerance_amount(bool absolute, double value);
/* The rule in words, for the key to ratings: "a KPI is Green when it meets
 * its target, Amber when it misses it by no more than 2% of the target,
 * and Red when it misses it by more than 2% of the target" (absolute:
 * "by no more than 0.5"). */
char *report_tolerance_rule(bool absolute, double value);

/* The partnership's title from a dataset's title: the length of title
 * without a trailing quarter phrase (the quarter the source report was
 * made for; the cover names the report's own quarter separately) and its
 * separator, nor trailing white space: "Rotherham ICP Performance Report,
 * Quarter 1 2018/19" and "… - Q1 2018/19" keep "Rotherham ICP Performance
 * Report". A phrase is "Quarter N", "Qtr N" or "QN" (N 1 to 4, any case),
 * with or without a plan year after it ("2018/19", "2018-19",
 * "2018/2019"; "Q1, 2018/19") or before it ("2018/19 Q1"), optionally in
 * parentheses, after a space or a separator (, : | - – —). 0: the title is
 * nothing but a quarter phrase. */
size_t report_title_len(const char *title);

#endif
