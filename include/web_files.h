/* The dashboard's static files (web/), compiled into the binary by
 * tools/embed_file.py --table, with what the build computed for each: the
 * path it is served at (a page's own, or an asset's name with its content
 * hash), its content type and its ETag. */
#ifndef RAGBOARD_WEB_FILES_H
#define RAGBOARD_WEB_FILES_H

#include <stdbool.h>
#include <stddef.h>

struct web_file {
  const char *path;          /* "/", "/returns", "/assets/app.3f2a9c0d1e2f.js" */
  const char *content_type;  /* "text/html; charset=utf-8" */
  const unsigned char *data; /* len bytes (and a NUL after them) */
  size_t len;
  const char *etag; /* quoted: "\"<32 hex digits>\"" */
  bool immutable;   /* an asset, named by its hash: cacheable for a year */
};

/* The table (web_files_gen.c, generated). */
extern const struct web_file web_files[];
extern const size_t web_files_count;

#endif
