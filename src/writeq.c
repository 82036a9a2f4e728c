#include "writeq.h"

#include <string.h>

void
writeq_init(struct writeq *q)
{
  memset(q, 0, sizeof(*q));
}

/* The lane of key: its own, else the free lane (nothing queued) with the
 * least time on its account (an unused one first), else one shared by
 * key's hash (more tokens at once than lanes). */
static size_t
lane_of(struct writeq *q, uint64_t key)
{
  size_t pick = WRITEQ_LANES;

  for (size_t i = 0; i < WRITEQ_LANES; i++)
    if (q->lanes[i].used && q->lanes[i].key == key)
      return i;
  for (size_t i = 0; i < WRITEQ_LANES; i++)
    if (q->lanes[i].queued == 0 &&
        (pick == WRITEQ_LANES || !q->lanes[i].used ||
         (q->lanes[pick].used && q->lanes[i].vtime < q->lanes[pick].vtime)))
      pick = i;
  if (pick == WRITEQ_LANES)
    return (size_t)(key % WRITEQ_LANES);
  q->lanes[pick].key = key;
  q->lanes[pick].vtime = 0;
  q->lanes[pick].used = true;
  return pick;
}

void
writeq_push(struct writeq *q, struct writeq_item *it, uint64_t key)
{
  size_t i = lane_of(q, key);

  if (q->lanes[i].queued == 0 && q->lanes[i].vtime < q->vclock)
    q->lanes[i].vtime = q->vclock;
  it->next = NULL;
  it->key = key;
  it->seq = q->seq++;
  if (q->lanes[i].tail != NULL)
    q->lanes[i].tail->next = it;
  else
    q->lanes[i].head = it;
  q->lanes[i].tail = it;
  q->lanes[i].queued++;
  q->n++;
}

struct writeq_item *
writeq_pop(struct writeq *q)
{
  size_t best = WRITEQ_LANES;
  struct writeq_item *it;

  for (size_t i = 0; i < WRITEQ_LANES; i++) {
    if (q->lanes[i].queued == 0)
      continue;
    if (best == WRITEQ_LANES || q->lanes[i].vtime < q->lanes[best].vtime ||
        (q->lanes[i].vtime == q->lanes[best].vtime &&
         q->lanes[i].head->seq < q->lanes[best].head->seq))
      best = i;
  }
  if (best == WRITEQ_LANES)
    return NULL;
  it = q->lanes[best].head;
  q->lanes[best].head = it->next;
  if (q->lanes[best].head == NULL)
    q->lanes[best].tail = NULL;
  q->lanes[best].queued--;
  q->n--;
  if (q->lanes[best].vtime > q->vclock)
    q->vclock = q->lanes[best].vtime;
  it->next = NULL;
  return it;
}

void
writeq_charge(struct writeq *q, const struct writeq_item *it, double seconds)
{
  for (size_t i = 0; i < WRITEQ_LANES; i++) {
    if (q->lanes[i].used && q->lanes[i].key == it->key) {
      q->lanes[i].vtime += seconds > 0 ? seconds : 0;
      return;
    }
  }
}

uint64_t
writeq_key(const char *credentials)
{
  uint64_t h = 1469598103934665603ULL; /* FNV-1a */

  for (const char *p = credentials; p != NULL && *p != '\0'; p++) {
    h ^= (unsigned char)*p;
    h *= 1099511628211ULL;
  }
  return h;
}
