/* Build the report model from an input file and write every rendering of
 * it into a directory, for the render tests that parse, print and convert
 * them (the scripts in tests/render):
 *   render_out INPUT OUTDIR [QUARTER [GROUP]]
 * writes OUTDIR/model.json, report.html, report.md and report.csv. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "render.h"
#include "report_model.h"

static int
write_file(const char *dir, const char *name, const char *text, size_t len)
{
  char path[4096];
  FILE *f;

  snprintf(path, sizeof(path), "%s/%s", dir, name);
  f = fopen(path, "wb");
  if (f == NULL || fwrite(text, 1, len, f) != len || fclose(f) != 0) {
    perror(path);
    return 1;
  }
  return 0;
}

int
main(int argc, char **argv)
{
  json_error_t jerr;
  json_t *in, *model = NULL;
  char why[512] = "", *text;
  size_t len;
  enum rb_err err;
  int rc = 0;

  if (argc < 3) {
    fprintf(stderr, "usage: render_out INPUT OUTDIR [QUARTER [GROUP]]\n");
    return 2;
  }
  in = json_load_file(argv[1], JSON_REJECT_DUPLICATES, &jerr);
  if (in == NULL) {
    fprintf(stderr, "%s:%d: %s\n", argv[1], jerr.line, jerr.text);
    return 1;
  }
  if (argc > 3)
    json_object_set_new(in, "quarter", json_string(argv[3]));
  if (argc > 4)
    json_object_set_new(json_object_get(in, "options"), "group", json_string(argv[4]));
  err = report_model_build(in, &model, why, sizeof(why));
  json_decref(in);
  if (err != RB_OK) {
    fprintf(stderr, "report_model_build: error %d: %s\n", (int)err, why);
    return 1;
  }
  text = json_dumps(model, JSON_INDENT(1) | JSON_ENSURE_ASCII);
  rc |= text == NULL || write_file(argv[2], "model.json", text, strlen(text));
  free(text);
  if (render_html(model, &text, &len, NULL) == RB_OK) {
    rc |= write_file(argv[2], "report.html", text, len);
    free(text);
  } else {
    rc = 1;
  }
  if (render_md(model, &text, &len) == RB_OK) {
    rc |= write_file(argv[2], "report.md", text, len);
    free(text);
  } else {
    rc = 1;
  }
  if (render_csv(model, &text, &len) == RB_OK) {
    rc |= write_file(argv[2], "report.csv", text, len);
    free(text);
  } else {
    rc = 1;
  }
  json_decref(model);
  return rc;
}
