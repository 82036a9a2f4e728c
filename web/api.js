// ragboard's JSON API as the pages use it: the documented /api/v1 routes
// only, each answer kept with its ETag so that asking again sends
// If-None-Match and an unchanged answer costs a 304 (a few hundred bytes)
// instead of the body.
//
// The token: pasted once, kept in sessionStorage (gone when the tab
// closes), sent only in the Authorization header: never in a URL (which
// would reach logs and histories), never written to the console.

const TOKEN_KEY = 'ragboard.token';

export function token() {
  try {
    return sessionStorage.getItem(TOKEN_KEY) || '';
  } catch {
    return '';
  }
}

export function setToken(value) {
  const t = (value || '').trim().replace(/^Bearer\s+/i, '');
  if (t) sessionStorage.setItem(TOKEN_KEY, t);
  else sessionStorage.removeItem(TOKEN_KEY);
}

// A failed request: status 0 for a network failure; problem is the RFC
// 9457 document when the server sent one.
export class ApiError extends Error {
  constructor(status, message, problem) {
    super(message);
    this.status = status;
    this.problem = problem || null;
  }
}

// url → {etag, body}: the last answer of each GET.
const answers = new Map();

function headers(extra) {
  const hd = new Headers(extra || {});
  const t = token();
  if (t) hd.set('Authorization', `Bearer ${t}`);
  return hd;
}

async function failure(resp) {
  let problem = null;
  try {
    if ((resp.headers.get('Content-Type') || '').includes('json')) problem = await resp.json();
  } catch {
    problem = null;
  }
  const why = problem && (problem.detail || problem.title);
  return new ApiError(resp.status, why || `HTTP ${resp.status}`, problem);
}

// GET url (a path under /api/v1) as JSON, or as a Blob (as: 'blob').
// Resolves to {body, changed}: changed is false when the server answered
// 304 to our ETag and body is the answer kept from before.
export async function get(url, {as = 'json'} = {}) {
  const kept = answers.get(url);
  const hd = headers(kept ? {'If-None-Match': kept.etag} : {});
  let resp;
  try {
    // no-store: this module keeps the answers; the browser's own cache
    // would revalidate behind our back and hide the 304 from us.
    resp = await fetch(url, {headers: hd, cache: 'no-store', credentials: 'omit'});
  } catch (e) {
    throw new ApiError(0, `the server could not be reached (${e.message})`);
  }
  if (resp.status === 304 && kept) {
    await resp.arrayBuffer(); // empty; reading it lets the request finish rather than be cancelled
    return {body: kept.body, changed: false};
  }
  if (!resp.ok) throw await failure(resp);
  const body = as === 'blob' ? await resp.blob() : as === 'text' ? await resp.text() : await resp.json();
  const etag = resp.headers.get('ETag');
  if (etag) answers.set(url, {etag, body});
  else answers.delete(url);
  return {body, changed: true};
}

// Every page of a list ({items, next}), following the cursor.
export async function getAll(url) {
  let items = [];
  let changed = false;
  let next = null;
  const sep = url.includes('?') ? '&' : '?';
  do {
    const page = await get(next ? `${url}${sep}cursor=${encodeURIComponent(next)}` : url);
    changed = changed || page.changed;
    items = items.concat(page.body.items);
    next = page.body.next;
  } while (next);
  return {body: items, changed};
}

// A request that is not a cached read (an upload, a download): the
// Response, or an ApiError for anything but 2xx.
export async function send(url, {method = 'GET', body, contentType, accept} = {}) {
  const hd = headers();
  if (contentType) hd.set('Content-Type', contentType);
  if (accept) hd.set('Accept', accept);
  let resp;
  try {
    resp = await fetch(url, {method, headers: hd, body, cache: 'no-store', credentials: 'omit'});
  } catch (e) {
    throw new ApiError(0, `the server could not be reached (${e.message})`);
  }
  return resp;
}

// What to tell a person about a failed request.
export function explain(err) {
  if (!(err instanceof ApiError)) return `Something went wrong: ${err.message}`;
  if (err.status === 401) {
    return token()
      ? 'The server did not accept this token (unknown, mistyped or revoked). Paste a current one.'
      : 'This server needs a token to show its data. Paste the viewer token you were given.';
  }
  if (err.status === 403) return `This token may not do this: ${err.message}`;
  if (err.status === 0) return `No answer: ${err.message}. The page tries again on its own.`;
  return `The server answered ${err.status}: ${err.message}`;
}
