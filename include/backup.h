/* Online backup and restore with SQLite's backup API: a consistent copy
 * while the server keeps serving and writing. */
#ifndef RAGBOARD_BACKUP_H
#define RAGBOARD_BACKUP_H

#include "error.h"

/* Copy the database at `db` to `out` (written as out.tmp, checked with
 * PRAGMA integrity_check, fsynced and renamed into place). why receives a
 * message on failure. */
enum rb_err backup_create(const char *db, const char *out, const char **why);

/* Replace the database at `db` with the backup at `from`, after checking
 * the backup's integrity and that its schema is not newer than this
 * binary. Stop the server first. */
enum rb_err backup_restore(const char *db, const char *from, const char **why);

#endif
