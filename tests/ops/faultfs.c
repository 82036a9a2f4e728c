/* LD_PRELOAD fault injection for tests/ops/faults.sh. While the directory
 * $FAULTFS_CTL holds a file named EROFS, EPERM, EACCES, ENOSPC or EIO,
 * writes, syncs,
 * truncations and opens for writing of files under $FAULTFS_DIR fail with
 * that errno, as they would once the kernel remounts a file system
 * read-only under a running server (which `mount -o remount,ro` refuses to
 * do while the server holds files open for writing). Removing the file
 * heals the "disk". Build: cc -shared -fPIC -o faultfs.so faultfs.c -ldl */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static int
injected(void)
{
  static const struct {
    const char *name;
    int err;
  } faults[] = {
    {"EROFS", EROFS}, {"EPERM", EPERM}, {"EACCES", EACCES}, {"ENOSPC", ENOSPC}, {"EIO", EIO}};
  const char *ctl = getenv("FAULTFS_CTL");
  char path[4096];

  if (ctl == NULL)
    return 0;
  for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
    snprintf(path, sizeof(path), "%s/%s", ctl, faults[i].name);
    if (access(path, F_OK) == 0)
      return faults[i].err;
  }
  return 0;
}

static int
path_fault(const char *path)
{
  const char *dir = getenv("FAULTFS_DIR");
  char full[4096];

  if (dir == NULL || path == NULL)
    return 0;
  if (path[0] != '/' && getcwd(full, sizeof(full)) != NULL) {
    size_t n = strlen(full);

    snprintf(full + n, sizeof(full) - n, "/%s", path);
    path = full;
  }
  return strncmp(path, dir, strlen(dir)) == 0 ? injected() : 0;
}

static int
fd_fault(int fd)
{
  char link[64], target[4096];
  ssize_t n;
  int saved = errno, err;

  snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
  n = readlink(link, target, sizeof(target) - 1);
  if (n <= 0) {
    errno = saved;
    return 0;
  }
  target[n] = '\0';
  err = path_fault(target);
  errno = saved;
  return err;
}

#define REAL(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))
#define FAIL_FD(fd)        \
  do {                     \
    int e_ = fd_fault(fd); \
    if (e_ != 0) {         \
      errno = e_;          \
      return -1;           \
    }                      \
  } while (0)

ssize_t
write(int fd, const void *buf, size_t n)
{
  FAIL_FD(fd);
  return REAL(write)(fd, buf, n);
}

ssize_t
pwrite(int fd, const void *buf, size_t n, off_t off)
{
  FAIL_FD(fd);
  return REAL(pwrite)(fd, buf, n, off);
}

ssize_t
pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
  FAIL_FD(fd);
  return REAL(pwrite64)(fd, buf, n, off);
}

ssize_t
writev(int fd, const struct iovec *iov, int n)
{
  FAIL_FD(fd);
  return REAL(writev)(fd, iov, n);
}

int
fsync(int fd)
{
  FAIL_FD(fd);
  return REAL(fsync)(fd);
}

int
fdatasync(int fd)
{
  FAIL_FD(fd);
  return REAL(fdatasync)(fd);
}

int
ftruncate(int fd, off_t len)
{
  FAIL_FD(fd);
  return REAL(ftruncate)(fd, len);
}

int
ftruncate64(int fd, off64_t len)
{
  FAIL_FD(fd);
  return REAL(ftruncate64)(fd, len);
}

static int
open_fault(const char *path, int flags)
{
  int err = (flags & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC)) ? path_fault(path) : 0;

  if (err != 0)
    errno = err;
  return err;
}

int
open(const char *path, int flags, ...)
{
  mode_t mode = 0;
  va_list ap;

  va_start(ap, flags);
  if (flags & (O_CREAT | O_TMPFILE))
    mode = va_arg(ap, mode_t);
  va_end(ap);
  if (open_fault(path, flags) != 0)
    return -1;
  return REAL(open)(path, flags, mode);
}

int
open64(const char *path, int flags, ...)
{
  mode_t mode = 0;
  va_list ap;

  va_start(ap, flags);
  if (flags & (O_CREAT | O_TMPFILE))
    mode = va_arg(ap, mode_t);
  va_end(ap);
  if (open_fault(path, flags) != 0)
    return -1;
  return REAL(open64)(path, flags, mode);
}
