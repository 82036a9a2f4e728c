/* XLSX parts through expat, streamed out of the zip (libzip) under the
 * limits: element names without their namespace, element depth counted,
 * no DOCTYPE (so no entity is ever declared or expanded). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonv.h"
#include "sheet_xlsx_int.h"

#define READ_CHUNK ((size_t)64 << 10)

/* ---- XML plumbing ------------------------------------------------------------- */

void
xml_fail(struct xml_run *r, enum rb_err err, size_t line, const char *fmt, ...)
{
  va_list ap;

  if (r->err != RB_OK)
    return;
  r->err = err;
  r->x->why->line = line;
  va_start(ap, fmt);
  vsnprintf(r->x->why->text, sizeof(r->x->why->text), fmt, ap);
  va_end(ap);
  jv_utf8_clean(r->x->why->text); /* a %.20s of a partner's text may cut a character */
  XML_StopParser(r->p, XML_FALSE);
}

static const char *
local(const char *name)
{
  const char *bar = strrchr(name, '|');

  return bar != NULL ? bar + 1 : name;
}

const char *
xml_attr(const char **atts, const char *name)
{
  for (size_t i = 0; atts[i] != NULL; i += 2)
    if (strcmp(local(atts[i]), name) == 0)
      return atts[i + 1];
  return NULL;
}

static void XMLCALL
on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
  struct xml_run *r = ud;

  if (r->err != RB_OK)
    return;
  if (++r->depth > r->x->lim->max_depth) {
    xml_fail(r, RB_ERR_TOO_LARGE, 0, "%s nests XML elements deeper than %u levels", r->member,
             r->x->lim->max_depth);
    return;
  }
  r->root_seen = true;
  if (r->start != NULL)
    r->start(r, local(name), atts);
}

static void XMLCALL
on_end(void *ud, const XML_Char *name)
{
  struct xml_run *r = ud;

  if (r->err != RB_OK)
    return;
  if (r->end != NULL)
    r->end(r, local(name));
  r->depth--;
}

static void XMLCALL
on_text(void *ud, const XML_Char *s, int len)
{
  struct xml_run *r = ud;

  if (r->err == RB_OK && r->text != NULL && len > 0)
    r->text(r, s, (size_t)len);
}

/* No part of a workbook has a document type declaration; refusing one
 * means no entity, internal or external, is ever declared or expanded. */
static void XMLCALL
on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid, const XML_Char *pubid,
           int has_internal_subset)
{
  struct xml_run *r = ud;

  (void)name, (void)sysid, (void)pubid, (void)has_internal_subset;
  xml_fail(r, RB_ERR_BAD_REQUEST, 0,
           "%s has a DOCTYPE declaration, which spreadsheet programs never write: refused",
           r->member);
}

static void XMLCALL
on_entity(void *ud, const XML_Char *name, int is_param, const XML_Char *value, int value_len,
          const XML_Char *base, const XML_Char *sysid, const XML_Char *pubid,
          const XML_Char *notation)
{
  (void)name, (void)is_param, (void)value, (void)value_len, (void)base, (void)sysid, (void)pubid,
    (void)notation;
  xml_fail(ud, RB_ERR_BAD_REQUEST, 0, "%s declares an entity: refused",
           ((struct xml_run *)ud)->member);
}

bool
text_add(struct text_acc *t, const char *s, size_t len)
{
  if (len > SHEET_MAX_CELL_BYTES - t->len) {
    t->over = true;
    return false;
  }
  if (t->len + len + 1 > t->cap) {
    size_t cap = t->cap ? t->cap : 256;
    char *grown;

    while (cap < t->len + len + 1)
      cap *= 2;
    grown = realloc(t->p, cap);
    if (grown == NULL)
      return false;
    t->p = grown;
    t->cap = cap;
  }
  memcpy(t->p + t->len, s, len);
  t->len += len;
  t->p[t->len] = '\0';
  return true;
}

static int
hex(char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

void
text_decode_escapes(struct text_acc *t)
{
  size_t i = 0, k = 0;

  if (t->p == NULL || memchr(t->p, '_', t->len) == NULL)
    return;
  while (i < t->len) {
    if (t->p[i] == '_' && i + 6 < t->len && t->p[i + 1] == 'x' && t->p[i + 6] == '_') {
      int h[4] = {hex(t->p[i + 2]), hex(t->p[i + 3]), hex(t->p[i + 4]), hex(t->p[i + 5])};

      if (h[0] >= 0 && h[1] >= 0 && h[2] >= 0 && h[3] >= 0) {
        unsigned cp = (unsigned)(h[0] << 12 | h[1] << 8 | h[2] << 4 | h[3]);

        if (cp != 0 && (cp < 0xD800 || cp > 0xDFFF)) { /* else left as written */
          if (cp < 0x80) {
            t->p[k++] = (char)cp;
          } else if (cp < 0x800) {
            t->p[k++] = (char)(0xC0 | cp >> 6);
            t->p[k++] = (char)(0x80 | (cp & 0x3F));
          } else {
            t->p[k++] = (char)(0xE0 | cp >> 12);
            t->p[k++] = (char)(0x80 | (cp >> 6 & 0x3F));
            t->p[k++] = (char)(0x80 | (cp & 0x3F));
          }
          i += 7;
          continue;
        }
      }
    }
    t->p[k++] = t->p[i++];
  }
  t->len = k;
  t->p[k] = '\0';
}

void
xlsx_zip_words(int code, char *out, size_t cap)
{
  zip_error_t ze;

  zip_error_init_with_code(&ze, code);
  snprintf(out, cap, "%s", zip_error_strerror(&ze));
  zip_error_fini(&ze);
}

static enum rb_err
zip_problem(struct xlsx *x, int code, const char *member)
{
  char words[128];

  if (code == ZIP_ER_MEMORY)
    return RB_ERR_NOMEM;
  if (code == ZIP_ER_ENCRNOTSUPP || code == ZIP_ER_NOPASSWD || code == ZIP_ER_WRONGPASSWD) {
    sheet_fail(x->why, 0, "%s is encrypted: save the workbook without a password", member);
  } else {
    xlsx_zip_words(code, words, sizeof(words));
    sheet_fail(x->why, 0, "the workbook is damaged (%s cannot be unpacked: %s)", member, words);
  }
  return RB_ERR_BAD_REQUEST;
}

enum rb_err
xml_parse_member(struct xlsx *x, const char *member, struct xml_run *r, bool *found)
{
  zip_int64_t idx = zip_name_locate(x->za, member, 0);
  zip_stat_t st;
  zip_file_t *zf = NULL;
  XML_Parser p = NULL;
  char *buf = NULL;
  size_t got = 0;
  enum rb_err err = RB_OK;

  *found = false;
  if (idx < 0)
    idx = zip_name_locate(x->za, member, ZIP_FL_NOCASE);
  if (idx < 0)
    return RB_OK;
  *found = true;
  if (zip_stat_index(x->za, (zip_uint64_t)idx, 0, &st) != 0)
    return zip_problem(x, zip_error_code_zip(zip_get_error(x->za)), member);
  if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE) {
    sheet_fail(x->why, 0, "%s is encrypted: save the workbook without a password", member);
    return RB_ERR_BAD_REQUEST;
  }
  if ((st.valid & ZIP_STAT_COMP_METHOD) && st.comp_method != ZIP_CM_STORE &&
      st.comp_method != ZIP_CM_DEFLATE) {
    sheet_fail(x->why, 0,
               "%s is compressed with method %u; spreadsheet programs use deflate: save the "
               "workbook again",
               member, (unsigned)st.comp_method);
    return RB_ERR_BAD_REQUEST;
  }
  if ((st.valid & ZIP_STAT_SIZE) && st.size > x->lim->max_member) {
    sheet_fail(x->why, 0, "%s unpacks to more than %zu bytes", member, x->lim->max_member);
    return RB_ERR_TOO_LARGE;
  }
  if ((zf = zip_fopen_index(x->za, (zip_uint64_t)idx, 0)) == NULL)
    return zip_problem(x, zip_error_code_zip(zip_get_error(x->za)), member);
  if ((buf = malloc(READ_CHUNK)) == NULL || (p = XML_ParserCreateNS(NULL, '|')) == NULL) {
    err = RB_ERR_NOMEM;
    goto out;
  }
  r->x = x;
  r->p = p;
  r->member = member;
  XML_SetUserData(p, r);
  XML_SetElementHandler(p, on_start, on_end);
  XML_SetCharacterDataHandler(p, on_text);
  XML_SetStartDoctypeDeclHandler(p, on_doctype);
  XML_SetEntityDeclHandler(p, on_entity);
  XML_SetParamEntityParsing(p, XML_PARAM_ENTITY_PARSING_NEVER);
  for (;;) {
    zip_int64_t n = zip_fread(zf, buf, READ_CHUNK);

    if (n < 0) {
      err = zip_problem(x, zip_error_code_zip(zip_file_get_error(zf)), member);
      goto out;
    }
    got += (size_t)n;
    x->uncompressed += (size_t)n;
    if (got > x->lim->max_member) {
      sheet_fail(x->why, 0, "%s unpacks to more than %zu bytes", member, x->lim->max_member);
      err = RB_ERR_TOO_LARGE;
      goto out;
    }
    if (x->uncompressed > x->lim->max_uncompressed) {
      sheet_fail(x->why, 0, "the workbook unpacks to more than %zu bytes",
                 x->lim->max_uncompressed);
      err = RB_ERR_TOO_LARGE;
      goto out;
    }
    if (XML_Parse(p, buf, (int)n, n == 0) == XML_STATUS_ERROR) {
      err = r->err;
      if (err == RB_OK) {
        sheet_fail(x->why, 0, "%s is not well-formed XML (line %lu: %s)", member,
                   (unsigned long)XML_GetCurrentLineNumber(p),
                   XML_ErrorString(XML_GetErrorCode(p)));
        err = RB_ERR_BAD_REQUEST;
      }
      goto out;
    }
    if (r->err != RB_OK) {
      err = r->err;
      goto out;
    }
    if (n == 0)
      break;
  }
out:
  if (p != NULL)
    XML_ParserFree(p);
  free(buf);
  zip_fclose(zf);
  return err;
}
