/* Content negotiation: which of the media types a resource offers the
 * client's Accept header prefers (RFC 9110, section 12.5.1). Pure: no I/O,
 * no clock, no globals. */
#ifndef RAGBOARD_ACCEPT_H
#define RAGBOARD_ACCEPT_H

#include <stddef.h>

/* offered: the resource's media types ("text/html"), in the server's order
 * of preference. Each media range of accept ("text/html;q=0.5") carries a
 * weight, 1 by default; an offered type takes the weight of the most
 * specific range that matches it (type/subtype, then type/any, then any/any;
 * parameters other than q are not matched), and 0 when none does. The
 * answer is the index of the offered type of the highest weight above 0
 * (ties: the earlier offered), or -1 when every offered type weighs 0 (the
 * client accepts none of them: 406). A missing or empty header accepts
 * anything (0). A range that does not parse (no '/', a q that is not a
 * number from 0 to 1 with at most three decimals) is ignored. */
int accept_choose(const char *accept, const char *const *offered, size_t n);

#endif
