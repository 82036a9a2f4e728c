/* Writes: the verdict on a request's head (a write's token and role,
 * before its body is read), and the job a write becomes for the writer
 * (writer.h): its precheck, its run inside the writer's transaction, and
 * its answer once that transaction is durable or has failed. */
#include <stdlib.h>
#include <string.h>

#include "router_int.h"
#include "store.h"
#include "writer.h"

bool
router_head(struct app *app, const struct router_match *m, const struct rb_request *req,
            struct router_head *head, struct rb_response *resp)
{
  const struct route *r = m->route;
  struct api_ctx c;
  enum rb_err err;

  memset(head, 0, sizeof(*head));
  head->body_limit = app->cfg.max_body;
  if (r == NULL || !(r->flags & ROUTE_WRITE))
    return true; /* not a write: no body is read, and router_serve answers */
  head->write = true;
  if (r->flags & ROUTE_IMPORT) /* the route's: a refused import is dropped up to it */
    head->body_limit = app->cfg.max_import_body;
  router_ctx(&c, app, m, req, resp);
  resp->route = r->pattern;
  err = router_authenticate(&c, r);
  if (c.st != NULL) {
    store_rollback(c.st);
    store_pool_release(app->pool, c.st);
    c.st = NULL;
  }
  if (err == RB_OK)
    err = router_permit(&c, r);
  if (c.actor.token_id != 0)
    auth_actor_label(&c.actor, resp->actor, sizeof(resp->actor));
  if (err != RB_OK) {
    router_answer_problem(&c, err);
    router_touch(&c, false); /* a refused request is a use too */
    json_decref(c.errors);
    json_decref(c.notes);
    return false;
  }
  head->authenticated = true;
  head->actor = c.actor;
  if (c.actor.role != AUTH_ADMIN) /* only an admin sends an import's size */
    head->body_limit = app->cfg.max_body;
  return true;
}

/* A precheck's work, with what frees it. */
struct prepared {
  void *data;
  void (*free)(void *);
};

static struct router_write *
write_of(struct writer_job *job)
{
  return (struct router_write *)((char *)job - offsetof(struct router_write, job));
}

/* Before the write joins the writer's queue, on the checker thread (or the
 * submitter's) with a read connection: authenticate, authorise, check the
 * query and run the route's precheck, so that a request that will be
 * refused is refused here and never holds the writer (whose time every
 * token's writes share). What a concurrent write could change is checked
 * again under the writer; failures of the read connection are left to it
 * too. false: refused, w->resp holds the answer (a 4xx). */
static bool
write_check(struct writer_job *job)
{
  struct router_write *w = write_of(job);
  const struct route *r = w->match->route;
  struct api_ctx c;
  struct prepared *prep;
  enum rb_err err;

  router_ctx(&c, w->app, w->match, w->req, w->resp);
  util_now(c.now);
  c.st = store_pool_reader(w->app->pool);
  err = store_begin(c.st, false);
  if (err == RB_OK) {
    err = router_authorise(&c, r, w->head);
    if (err == RB_OK)
      err = router_check_query(&c, r);
    if (err == RB_OK)
      err = w->match->precheck(&c);
    store_rollback(c.st);
  }
  store_pool_release(w->app->pool, c.st);
  c.st = NULL;
  /* A refusal is answered now; trouble with the read connection (busy,
   * storage) is not the request's fault: the writer decides. */
  if (err != RB_OK && rb_err_status(err) < 500) {
    w->resp->route = r->pattern;
    if (c.actor.token_id != 0 || c.actor.name[0] != '\0')
      auth_actor_label(&c.actor, w->resp->actor, sizeof(w->resp->actor));
    router_answer_problem(&c, err);
    router_touch(&c, false);
  }
  json_decref(c.errors);
  json_decref(c.notes);
  if (err != RB_OK) {
    if (c.prepared_free != NULL)
      c.prepared_free(c.prepared);
    return rb_err_status(err) >= 500;
  }
  if (c.prepared == NULL)
    return true;
  prep = malloc(sizeof(*prep));
  if (prep == NULL) { /* the handler does the work itself */
    if (c.prepared_free != NULL)
      c.prepared_free(c.prepared);
    return true;
  }
  prep->data = c.prepared;
  prep->free = c.prepared_free;
  w->prepared = prep;
  return true;
}

/* The write itself, on the writer's thread, in the request's savepoint:
 * authorise (the head's verdict, unless revoked since), then the handler.
 * A failure is answered here; the writer undoes the work. */
static enum rb_err
write_run(struct writer_job *job, struct store *st)
{
  struct router_write *w = write_of(job);
  const struct route *r = w->match->route;
  struct api_ctx c;
  enum rb_err err;

  router_ctx(&c, w->app, w->match, w->req, w->resp);
  util_now(c.now);
  if (w->prepared != NULL) /* borrowed: router_write_clear frees it */
    c.prepared = ((struct prepared *)w->prepared)->data;
  c.st = st;
  err = router_authorise(&c, r, w->head);
  if (c.actor.token_id != 0 || c.actor.name[0] != '\0')
    auth_actor_label(&c.actor, w->resp->actor, sizeof(w->resp->actor));
  if (err == RB_OK)
    err = router_check_query(&c, r);
  if (err == RB_OK)
    err = r->handler(&c);
  if (err != RB_OK)
    router_answer_problem(&c, err);
  /* Recorded with the round's commit, whether the request succeeded or
   * not (a failed request is a use too). */
  router_touch(&c, true);
  json_decref(c.errors);
  json_decref(c.notes);
  return err;
}

/* The writer is done with the request: the answer stands (written, or
 * refused), or becomes the problem of why nothing of it is on disk. */
static void
write_done(struct writer_job *job)
{
  struct router_write *w = write_of(job);
  struct api_ctx c;
  enum rb_err err = job->err;

  switch (job->outcome) {
  case WRITER_STOPPED:
    w->stopped = true;
    break;
  case WRITER_NOT_RUN:
    router_ctx(&c, w->app, w->match, w->req, w->resp);
    router_answer_problem(&c, api_store_fail(&c, err, "the request"));
    json_decref(c.errors);
    json_decref(c.notes);
    break;
  case WRITER_KEPT:
    if (err == RB_OK)
      break; /* durable: the handler's answer goes out */
    router_ctx(&c, w->app, w->match, w->req, w->resp);
    router_answer_problem(&c, api_store_fail(&c, err, "the change"));
    json_decref(c.errors);
    json_decref(c.notes);
    break;
  case WRITER_REFUSED: /* answered by its check */
  case WRITER_UNDONE:  /* answered by its run */
    break;
  }
  if (w->answered != NULL)
    w->answered(w);
}

static void
write_job(struct router_write *w)
{
  memset(&w->job, 0, sizeof(w->job));
  w->job.key = writer_key(w->req->authorization);
  /* A bulk return's checks run before it joins the writer's queue (the
   * writer's time is every token's). */
  w->job.check = w->match->precheck != NULL ? write_check : NULL;
  w->job.run = write_run;
  w->job.done = write_done;
  w->stopped = false;
  w->resp->route = w->match->route->pattern;
}

void
router_submit(struct router_write *w)
{
  write_job(w);
  writer_submit(w->app->writer, &w->job);
}

void
router_submit_wait(struct router_write *w)
{
  write_job(w);
  writer_call(w->app->writer, &w->job);
  if (w->stopped) {
    struct api_ctx c;

    router_ctx(&c, w->app, w->match, w->req, w->resp);
    router_answer_problem(
      &c, api_fail(&c, RB_ERR_BUSY, "the server is shutting down: nothing was written; retry"));
    json_decref(c.errors);
    json_decref(c.notes);
  }
}

void
router_write_clear(struct router_write *w)
{
  struct prepared *prep = w->prepared;

  w->prepared = NULL;
  if (prep == NULL)
    return;
  if (prep->free != NULL)
    prep->free(prep->data);
  free(prep);
}
