/* The state check's row hashes, white-box (src/store_audit_state_int.h):
 * an item is hashed from its columns, without building its JSON image, and
 * that hash must be the one its image gets (state_row_json, then
 * state_sum_row): the sums recorded in trails already on disk were made
 * from the images, and the trail's entries are images. Checked on the demo
 * and on items edited in the file into what ragboard never writes: text
 * that is not UTF-8 or holds NUL bytes, BLOBs, JSON columns that are not
 * JSON or are a bare string, number or boolean, a plan year that is not
 * text. */
#include <check.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "../src/store_audit_state_int.h"
#include "harness.h"

struct both {
  struct state_rowkey key;
  struct state_table columns; /* state_sum_stored: from the columns */
  struct state_table images;  /* state_sum_row of state_row_json */
  size_t rows;
};

static bool
hash_both(void *ctx, const struct state_kind *k, sqlite3_stmt *s)
{
  struct both *b = ctx;
  json_t *made = NULL, *image = state_row_json(s);

  ck_assert_ptr_nonnull(image);
  ck_assert(state_sum_stored(&b->columns, k, s, &b->key, &made));
  state_sum_row(&b->images, k, image, &b->key, false);
  json_decref(made);
  json_decref(image);
  b->rows++;
  return true;
}

/* Every bucket of a is in b with the same sum. */
static void
expect_same_sums(struct state_table *a, struct state_table *b, const char *what)
{
  const char *bucket;
  json_t *at;

  ck_assert_int_eq(a->n, b->n);
  json_object_foreach(a->index, bucket, at)
  {
    const struct audit_sum *x = state_table_get(a, bucket, false);
    const struct audit_sum *y = state_table_get(b, bucket, false);

    ck_assert_msg(y != NULL, "%s: bucket %s only from the columns", what, bucket);
    ck_assert_msg(memcmp(x, y, sizeof(*x)) == 0, "%s: bucket %s sums differently", what, bucket);
  }
}

static void
check_kinds(struct store *st, const struct audit_key *key, size_t min_rows)
{
  for (size_t i = 0; i < STATE_NKINDS; i++) {
    struct both b = {.rows = 0};

    state_rowkey_init(&b.key, key);
    ck_assert(state_table_init(&b.columns, sizeof(struct audit_sum)));
    ck_assert(state_table_init(&b.images, sizeof(struct audit_sum)));
    ck_assert_int_eq(state_each_row(st, &state_kinds[i], NULL, hash_both, &b), RB_OK);
    ck_assert_msg(b.rows >= min_rows, "%s: %zu rows", state_kinds[i].entity, b.rows);
    expect_same_sums(&b.columns, &b.images, state_kinds[i].entity);
    expect_same_sums(&b.images, &b.columns, state_kinds[i].entity);
    state_table_free(&b.columns);
    state_table_free(&b.images);
  }
}

static void
exec_ok(sqlite3 *db, const char *sql)
{
  char *msg = NULL;

  ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK, "%s: %s", sql,
                msg != NULL ? msg : "");
}

START_TEST(item_columns_hash_as_their_image)
{
  static const struct audit_key key = {.id = "test", .key = {1, 2, 3, 4, 5, 6, 7, 8}};
  struct th_server s;
  struct store *st;

  th_open(&s, true, NULL);
  st = th_store(&s);
  /* the demo has no monthly values: one as ragboard writes it */
  exec_ok(st->db, "INSERT INTO kpi_month (kpi_id, month, quarter, value, value_text, comment,"
                  " created_at, updated_at, updated_by) VALUES"
                  " (1, '2018-04', '2018-19-Q1', 3.5, '3.5', NULL, 'x', 'x', 'a')");
  check_kinds(st, NULL, 1);
  check_kinds(st, &key, 1);

  /* What someone with the file could store: CHECKs, foreign keys and
   * triggers are the application's, not the file's. */
  exec_ok(st->db, "PRAGMA ignore_check_constraints = ON");
  exec_ok(st->db, "PRAGMA foreign_keys = OFF");
  exec_ok(st->db, "UPDATE milestone SET description = CAST(X'61FF62C0AF' AS TEXT) WHERE id = 1");
  exec_ok(st->db, "UPDATE milestone SET description = CAST(X'61006200' AS TEXT),"
                  " target_text = X'C3A9' WHERE id = 2");
  exec_ok(st->db, "UPDATE milestone SET target_text = X'', owner_id = NULL,"
                  " description = 'caf\xc3\xa9 \xf0\x9f\x93\x88 \xef\xbf\xbd' WHERE id = 3");
  exec_ok(st->db, "UPDATE milestone SET year = 2018 WHERE id = 4");
  exec_ok(st->db, "UPDATE milestone SET year = X'323031382D3139FF' WHERE id = 5");
  exec_ok(st->db, "UPDATE milestone SET year = CAST(X'323031382D313900' AS TEXT) WHERE id = 6");
  exec_ok(st->db, "UPDATE milestone SET priority_number = 2.5, target_quarter = NULL WHERE id = 7");
  exec_ok(st->db, "UPDATE kpi SET quarterly_targets = 'not json' WHERE id = 1");
  exec_ok(st->db, "UPDATE kpi SET quarterly_targets = '\"a string\"' WHERE id = 2");
  exec_ok(st->db, "UPDATE kpi SET quarterly_targets = 'true', target = 1.5 WHERE id = 3");
  exec_ok(st->db, "UPDATE kpi SET quarterly_targets = ' 12 ', unit = 7 WHERE id = 4");
  exec_ok(st->db, "UPDATE kpi SET quarterly_targets = X'7B7D' WHERE id = 5");
  exec_ok(st->db,
          "UPDATE kpi SET quarterly_targets = 'null', tolerance_value = 1e300 WHERE id = 6");
  exec_ok(st->db, "UPDATE kpi SET quarterly_targets = CAST(X'7B2261223A22FF227D' AS TEXT)"
                  " WHERE id = 7");
  exec_ok(st->db, "UPDATE kpi SET quarterly_targets = '{\"b\":1,\"a\":[1.0,2]}', target = 3"
                  " WHERE id = 8");
  exec_ok(st->db, "UPDATE kpi SET year = 2018.5, source = CAST(X'FE' AS TEXT) WHERE id = 9");
  /* a monthly value edited as a child's columns may be: an integer in a
   * text column (a child's text is hashed as its bytes, so only UTF-8, as
   * ragboard writes it, hashes alike from the columns and the image) */
  exec_ok(st->db, "INSERT INTO kpi_month (kpi_id, month, quarter, value, value_text, comment,"
                  " created_at, updated_at, updated_by) VALUES"
                  " (1, '2018-05', '2018-19-Q1', 7, NULL, 7, 'x', 'x', 'a')");
  check_kinds(st, NULL, 1);
  check_kinds(st, &key, 1);
  store_close(st);
  th_stop(&s);
}
END_TEST

/* Bytes that are not UTF-8 edited into a child's quarter: reported, with
 * the quarter as lossy text, not taken for running out of memory (they
 * made the check fail with "Out of memory": no JSON key or string may
 * hold them). */
START_TEST(quarter_not_utf8_reported)
{
  struct th_server s;
  struct store *st;
  json_t *v = NULL, *d;
  size_t i, lossy = 0;

  th_open(&s, true, NULL);
  st = th_store(&s);
  exec_ok(st->db, "PRAGMA ignore_check_constraints = ON");
  /* one the import created, moved to a quarter that is not UTF-8 */
  exec_ok(st->db, "UPDATE kpi_reading SET quarter = CAST(X'323031382D31392D51FF' AS TEXT)"
                  " WHERE rowid = (SELECT min(rowid) FROM kpi_reading)");
  /* one nobody wrote, in such a quarter */
  exec_ok(st->db, "INSERT INTO milestone_update (milestone_id, quarter, status, created_at,"
                  " updated_at, updated_by) VALUES (1, CAST(X'FE51' AS TEXT), 'G',"
                  " '2030-01-01T00:00:00.000Z', '2030-01-01T00:00:00.000Z', 'nobody')");
  ck_assert_int_eq(store_audit_reconcile(st, &v), RB_OK);
  ck_assert_msg(json_is_false(json_object_get(v, "ok")), "%s", json_dumps(v, 0));
  /* every difference counted is listed: none lost to text JSON cannot hold */
  ck_assert_int_eq(json_array_size(json_object_get(v, "differences")),
                   json_integer_value(json_object_get(v, "difference_count")));
  json_array_foreach(json_object_get(v, "differences"), i, d)
  {
    const char *q = json_string_value(json_object_get(d, "quarter"));

    if (q != NULL && (strcmp(q, "2018-19-Q\xef\xbf\xbd") == 0 || strcmp(q, "\xef\xbf\xbdQ") == 0))
      lossy++;
  }
  ck_assert_msg(lossy == 2, "%s", json_dumps(v, 0));
  json_decref(v);
  store_close(st);
  th_stop(&s);
}
END_TEST

int
main(void)
{
  Suite *s = suite_create("audit_state");
  TCase *tc = tcase_create("hashes");

  tcase_add_test(tc, item_columns_hash_as_their_image);
  tcase_add_test(tc, quarter_not_utf8_reported);
  suite_add_tcase(s, tc);
  return th_run(s);
}
