/* A file uploaded as a browser form uploads it (multipart/form-data, RFC
 * 7578), on the routes that take one (ROUTE_UPLOAD): libmicrohttpd's post
 * processor reads the form as it arrives, and only the one file part's
 * bytes are kept, as the request's body. The handler then sees the file as
 * if it had been sent alone, its type told by its first bytes, its name
 * kept for messages. Plain fields beside the file (a submit button's) are
 * ignored; no file, or a second one, is refused.
 *
 * Memory: the form's bytes are never buffered whole; what is kept is the
 * file (at most the route's body limit, which the form's raw bytes are
 * counted against) and the post processor's small buffer. */
#include "http_int.h"
#include "jsonv.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* The post processor's buffer: it holds a part's header lines and the bytes
 * that may be the start of a boundary (70 bytes at most, RFC 2046). */
#define FORM_BUFFER 8192

#define XLSX_TYPE "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

bool
http_form_wanted(const struct conn_state *cs)
{
  const char *t = cs->hv.content_type;

  if (!cs->head.write || cs->match.route == NULL || !(cs->match.route->flags & ROUTE_UPLOAD) ||
      t == NULL)
    return false;
  while (*t == ' ')
    t++;
  return strncasecmp(t, "multipart/form-data", 19) == 0 &&
         (t[19] == '\0' || t[19] == ';' || t[19] == ' ');
}

static void
form_fail(struct conn_state *cs, const char *why)
{
  if (cs->form_fault == NULL)
    cs->form_fault = why;
}

static enum MHD_Result
form_part(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
          const char *content_type, const char *transfer_encoding, const char *data, uint64_t off,
          size_t size)
{
  struct conn_state *cs = cls;

  (void)kind;
  (void)key;
  (void)content_type;
  if (filename == NULL) /* a plain field: not the file */
    return MHD_YES;
  if (off == 0 && (cs->form_files == 0 || cs->form_part_bytes > 0)) {
    /* A part starts (libmicrohttpd may call with no data first: a part
     * with no bytes yet is the same part). A file input left empty sends
     * a part with no name and no bytes: no file. */
    if (filename[0] == '\0' && size == 0)
      return MHD_YES;
    if (cs->form_files > 0 && cs->len > 0) {
      form_fail(cs, "the form holds more than one file: send the return as one file");
      return MHD_NO;
    }
    cs->form_files = 1;
    cs->form_part_bytes = 0;
    snprintf(cs->upload_name, sizeof(cs->upload_name), "%s", filename);
  }
  if (transfer_encoding != NULL && strcasecmp(transfer_encoding, "binary") != 0 &&
      strcasecmp(transfer_encoding, "8bit") != 0 && strcasecmp(transfer_encoding, "7bit") != 0) {
    form_fail(cs, "the file part has a Content-Transfer-Encoding other than binary: send the "
                  "file's bytes as they are");
    return MHD_NO;
  }
  if (size == 0)
    return MHD_YES;
  if (!http_body_append(cs, data, size)) {
    form_fail(cs, "out of memory for the uploaded file");
    return MHD_NO;
  }
  cs->form_part_bytes += size;
  return MHD_YES;
}

void
http_form_feed(struct conn_state *cs, struct MHD_Connection *conn, const char *data, size_t n)
{
  if (cs->form_fault != NULL)
    return; /* refused already: the rest is read and dropped */
  if (cs->form_pp == NULL && !cs->form_started) {
    cs->form_started = true;
    cs->form_pp = MHD_create_post_processor(conn, FORM_BUFFER, form_part, cs);
    if (cs->form_pp == NULL) {
      form_fail(cs, "multipart/form-data without a boundary (or with one too long to read)");
      return;
    }
  }
  if (MHD_post_process(cs->form_pp, data, n) != MHD_YES)
    form_fail(cs, "the multipart/form-data body is malformed");
}

void
http_form_free(struct conn_state *cs)
{
  if (cs->form_pp != NULL)
    MHD_destroy_post_processor(cs->form_pp);
  cs->form_pp = NULL;
}

/* What the file's first bytes say it is. */
static const char *
sniff(const char *b, size_t len)
{
  size_t i = len >= 3 && memcmp(b, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;

  if (len >= 4 && memcmp(b, "PK\3\4", 4) == 0)
    return XLSX_TYPE;
  if (len >= 4 && memcmp(b, "\xD0\xCF\x11\xE0", 4) == 0)
    return "application/vnd.ms-excel"; /* an .xls: the XLSX reader says what to do */
  while (i < len && strchr(" \t\r\n", b[i]) != NULL)
    i++;
  return i < len && b[i] == '{' ? "application/json" : "text/csv";
}

/* The file's name as messages and the answer quote it: its last path
 * segment (old browsers send C:\\Users\\...\\return.csv), valid UTF-8 (it
 * may have been cut mid-character, or not be UTF-8), no control
 * characters. */
static void
clean_name(char *name)
{
  const char *base = name;

  for (const char *p = name; *p != '\0'; p++)
    if ((*p == '/' || *p == '\\') && p[1] != '\0')
      base = p + 1;
  memmove(name, base, strlen(base) + 1);
  jv_utf8_clean(name);
  for (char *p = name; *p != '\0'; p++)
    if ((unsigned char)*p < 0x20 || *p == 0x7f)
      *p = '?';
}

const char *
http_form_end(struct conn_state *cs)
{
  bool complete = true;

  if (cs->form_pp != NULL) {
    complete = MHD_destroy_post_processor(cs->form_pp) == MHD_YES;
    cs->form_pp = NULL;
  }
  if (cs->form_fault != NULL)
    return cs->form_fault;
  if (!complete)
    return "the multipart/form-data body is malformed (it ends before its closing boundary)";
  if (cs->form_files == 0)
    return "the form holds no file: send the return as the form's one file field "
           "(curl -F file=@return.xlsx)";
  if (cs->len == 0)
    return "the uploaded file is empty";
  cs->req.content_type = sniff(cs->body, cs->len);
  clean_name(cs->upload_name);
  cs->req.upload_name = cs->upload_name;
  return NULL;
}
