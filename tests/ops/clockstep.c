/* LD_PRELOAD shim for tests/ops/clock_step.sh: CLOCKSTEP_AFTER seconds
 * (monotonic) after the process starts, its reads of the wall
 * clock (CLOCK_REALTIME) are CLOCKSTEP_SHIFT seconds (default 3600) ahead of
 * the kernel's. A deadline the process computes on the wall clock is then an
 * hour late by the kernel's clock, which is what happens to a wait in
 * progress when an administrator or NTP steps the clock back an hour. Waits
 * on CLOCK_MONOTONIC are untouched.
 * Build: cc -shared -fPIC -o clockstep.so clockstep.c -ldl */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <time.h>

static int (*real_clock_gettime)(clockid_t, struct timespec *);
static struct timespec started;
static double after_s = 1.0, shift_s = 3600;

__attribute__((constructor)) static void
clockstep_init(void)
{
  const char *a = getenv("CLOCKSTEP_AFTER"), *s = getenv("CLOCKSTEP_SHIFT");

  real_clock_gettime = (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT, "clock_gettime");
  if (a != NULL)
    after_s = atof(a);
  if (s != NULL)
    shift_s = atof(s);
  real_clock_gettime(CLOCK_MONOTONIC, &started);
}

int
clock_gettime(clockid_t clk, struct timespec *ts)
{
  struct timespec mono;
  int rc;

  if (real_clock_gettime == NULL)
    clockstep_init();
  rc = real_clock_gettime(clk, ts);
  if (rc != 0 || (clk != CLOCK_REALTIME && clk != CLOCK_REALTIME_COARSE))
    return rc;
  real_clock_gettime(CLOCK_MONOTONIC, &mono);
  if ((double)(mono.tv_sec - started.tv_sec) + (double)(mono.tv_nsec - started.tv_nsec) / 1e9 >=
      after_s)
    ts->tv_sec += (time_t)shift_s;
  return rc;
}
