// The dashboard: which view the URL names (?quarter=&group=&kpi=), the
// quarter picker, the token form, and the poll that keeps a board-room
// screen current. Every `poll` seconds (30 by default; <meta
// name="ragboard-poll"> or ?poll=) the view's probe (the overview: the
// summary) is asked again with If-None-Match: while nothing changed that
// is one 304, the same request and the same cost to the server as any
// summary poll. The probe's ETag moves with every data version the view
// shows (reference data and the plan year's figures), so when it changes
// every answer of the view is asked again (each with its own ETag) and
// the view drawn again; every FULL_EVERY-th poll does that anyway, for
// what the probe does not cover (a quarter's dates, say).
import * as api from './api.js';
import {h, replace, clock, quarterShort, quarterWords} from './dom.js';
import * as views from './views.js';

// Until the first view is drawn the page is kept out of rendering (app.css,
// .booting): a new tab then styles and lays out the page once, with its
// data, where it used to lay out and paint the "Loading…" page first while
// the answers, already in, waited behind that work (80-100 ms on the
// benchmark's machine). A server slower than BOOT_MS shows that page anyway.
const BOOT_MS = 1000;
const root = document.documentElement;
root.classList.add('booting');
const booted = () => root.classList.remove('booting');
setTimeout(booted, BOOT_MS);

const main = document.getElementById('main');
const picker = document.getElementById('quarter');
const statusLine = document.getElementById('status');
const checked = document.getElementById('checked');
const alertBox = document.getElementById('alert');
const tokenForm = document.getElementById('token-form');
const tokenInput = document.getElementById('token');
const tokenState = document.getElementById('token-state');
const forget = document.getElementById('forget');
const crumbs = document.getElementById('crumbs');

function pollSeconds() {
  const fromUrl = Number(new URLSearchParams(location.search).get('poll'));
  if (fromUrl > 0) return Math.max(fromUrl, 0.2);
  const meta = document.querySelector('meta[name="ragboard-poll"]');
  const fromMeta = meta ? Number(meta.content) : 0;
  return fromMeta > 0 ? fromMeta : 30;
}

function readState() {
  const p = new URLSearchParams(location.search);
  return {
    quarter: p.get('quarter') || null,
    group: p.get('group') || null,
    kpi: p.get('kpi') || null,
  };
}

let generation = 0; // bumped by every navigation: late answers of an older view are dropped
let shown = null; // the href of the view on screen
let timer = null;
let quartersShown = '';

function showAlert(message) {
  if (!message) {
    alertBox.hidden = true;
    replace(alertBox);
    return;
  }
  replace(alertBox, h('p', {}, message));
  alertBox.hidden = false;
}

function showTokenState() {
  const has = api.token() !== '';
  replace(tokenState, has ? 'A token is in use for this tab.' : 'No token: reading anonymously.');
  forget.hidden = !has;
}

function fillPicker(quarters, current) {
  const ids = quarters.map((q) => q.id);
  if (current && !ids.includes(current)) ids.push(current);
  ids.sort();
  const key = `${ids.join(',')}|${current}`;
  if (key === quartersShown) return;
  quartersShown = key;
  replace(picker, ids.map((id) => h('option', {value: id, selected: id === current}, quarterWords(id))));
  picker.disabled = ids.length === 0;
}

function crumbsFor(state, model) {
  const items = [h('li', {}, h('a', {href: views.href({quarter: state.quarter}), 'data-nav': ''}, 'Overview'))];
  if (model && model.group) {
    items.push(h('li', {}, state.kpi
      ? h('a', {href: views.href({quarter: state.quarter, group: model.group.code}), 'data-nav': ''}, model.group.name)
      : h('span', {'aria-current': 'page'}, model.group.name)));
  }
  if (state.kpi && model && model.kpi) {
    items.push(h('li', {}, h('span', {'aria-current': 'page'}, model.kpi.code)));
  }
  replace(crumbs, items.length > 1 ? h('ol', {}, items) : null);
}

function titleFor(state, model) {
  const parts = [];
  if (model && model.kpi) parts.push(model.kpi.code);
  else if (model && model.group) parts.push(model.group.name);
  else parts.push('Overview');
  if (state.quarter) parts.push(quarterShort(state.quarter));
  parts.push('ragboard');
  return parts.join(' – ');
}

const FULL_EVERY = 10;

// The group and KPI views are imported when first shown: the overview, the
// page most people open, then fetches and compiles only what it draws.
async function viewOf(state) {
  if (state.kpi) {
    const kpi = await import('./kpi.js');
    return {load: kpi.loadKpi, render: kpi.renderKpi, probe: kpi.probeKpi};
  }
  if (state.group) {
    const group = await import('./group.js');
    return {load: group.loadGroup, render: group.renderGroup, probe: group.probeGroup};
  }
  return {load: views.loadOverview, render: views.renderOverview, probe: views.probeOverview};
}

let polls = 0;
let quarterShown = null; // the quarter of the view on screen (the default's, when the URL names none)

// One poll: the probe alone while it answers 304, everything when it changed.
async function poll() {
  const state = readState();
  polls++;
  if (quarterShown && shown === location.pathname + location.search && polls % FULL_EVERY !== 0) {
    const gen = generation;
    try {
      const view = await viewOf(state);
      const {changed} = await api.get(view.probe({...state, quarter: state.quarter || quarterShown}));
      if (gen !== generation) return;
      if (!changed) {
        checked.textContent = `Checked for new data at ${clock()}.`;
        return;
      }
      await refresh({redraw: true});
      return;
    } catch {
      // refresh says what went wrong
    }
  }
  await refresh();
}

// Load the URL's view; draw it when it is new or its data changed.
async function refresh({navigated = false, focus = false, redraw = false} = {}) {
  const gen = generation;
  const state = readState();
  const here = location.pathname + location.search;
  try {
    const view = await viewOf(state);
    if (gen !== generation) return;
    // With the quarter in the URL, the view's answers are asked for at
    // once, beside the quarters; without, the default quarter comes first.
    const loading = state.quarter ? view.load(state) : null;
    if (loading) loading.catch(() => {}); // awaited below, unless the quarters fail first
    const quarters = await views.loadQuarters();
    if (gen !== generation) return;
    if (!state.quarter) state.quarter = await views.defaultQuarter(quarters.body);
    if (gen !== generation) return;
    fillPicker(quarters.body, state.quarter);
    if (!state.quarter) {
      replace(main, h('h1', {id: 'page-h', tabindex: '-1'}, 'No quarters yet'),
        h('p', {}, 'The server holds no quarter: import a plan year first.'));
      shown = here;
      return;
    }
    const {changed, model} = await (loading || view.load(state));
    if (gen !== generation) return;
    showAlert(null);
    checked.textContent = `Checked for new data at ${clock()}.`;
    if (!changed && !redraw && shown === here && !navigated) return;
    const focusKey = document.activeElement && main.contains(document.activeElement)
      ? document.activeElement.getAttribute('href') : null;
    booted(); // before any focus(): nothing in a display: none body takes it
    replace(main, view.render(model, state));
    crumbsFor(state, model);
    document.title = titleFor(state, model);
    if (focus) {
      const heading = document.getElementById('page-h');
      if (heading) heading.focus({preventScroll: false});
    } else if (focusKey) {
      const again = main.querySelector(`a[href="${CSS.escape(focusKey)}"]`);
      if (again) again.focus({preventScroll: true});
    }
    if (shown === here && !navigated && (changed || redraw)) {
      statusLine.textContent = `Updated with new data at ${clock()}.`;
    }
    shown = here;
    quarterShown = state.quarter;
    // Drawn: the frame after this change (what the benchmark times).
    requestAnimationFrame(() => setTimeout(() => performance.mark('ragboard:drawn'), 0));
  } catch (err) {
    if (gen !== generation) return;
    booted();
    showAlert(api.explain(err));
    if (err instanceof api.ApiError && err.status === 401) {
      tokenForm.closest('details').open = true;
      if (focus || shown === null) tokenInput.focus();
    }
    if (shown !== here) {
      const needsToken = err instanceof api.ApiError && err.status === 401;
      replace(main, h('h1', {id: 'page-h', tabindex: '-1'}, needsToken ? 'A token is needed' : 'Nothing to show yet'),
        needsToken ? h('p', {}, 'Paste your viewer token in the Token form at the top right. It is kept in this tab only.') : null);
      shown = null;
    }
  }
}

function schedule() {
  clearTimeout(timer);
  timer = setTimeout(async () => {
    if (document.visibilityState !== 'hidden') await poll();
    schedule();
  }, pollSeconds() * 1000);
}

// Show url's view: after a link or the back button, focus moves to the new
// view's heading, so a screen reader announces it.
function go(url, {push = true, focus = true} = {}) {
  if (push) history.pushState(null, '', url);
  generation++;
  refresh({navigated: true, focus}).finally(booted);
  schedule();
}

// In-page links: the URL changes (history, bookmarks, new tabs work as
// for any link) without reloading the page.
document.addEventListener('click', (e) => {
  const a = e.target.closest('a');
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  if (a.hasAttribute('data-nav')) {
    e.preventDefault();
    go(a.getAttribute('href'));
  } else if (a.hasAttribute('data-download') && api.token() !== '') {
    // A report for a reader with a token: a plain link cannot send it.
    e.preventDefault();
    download(a.getAttribute('href'), a.getAttribute('data-download'));
  }
});

async function download(url, fmt) {
  try {
    const resp = await api.send(url);
    if (!resp.ok) throw await resp.json().then((p) => new api.ApiError(resp.status, p.detail || p.title, p))
      .catch((e) => (e instanceof api.ApiError ? e : new api.ApiError(resp.status, `HTTP ${resp.status}`)));
    const blob = await resp.blob();
    const blobUrl = URL.createObjectURL(blob);
    const a = h('a', {href: blobUrl, download: `ragboard-report-${readState().quarter || 'quarter'}.${fmt}`});
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(blobUrl), 60000);
  } catch (err) {
    showAlert(api.explain(err));
  }
}

// (A fragment link, such as the skip link, fires popstate too: not a new view.)
window.addEventListener('popstate', () => {
  if (location.pathname + location.search !== shown) go(location.pathname + location.search, {push: false});
});
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') refresh();
});

picker.addEventListener('change', () => {
  const state = readState();
  go(views.href({...state, quarter: picker.value}));
});

tokenForm.addEventListener('submit', (e) => {
  e.preventDefault();
  api.setToken(tokenInput.value);
  tokenInput.value = '';
  tokenForm.closest('details').open = false;
  showTokenState();
  go(location.pathname + location.search, {push: false});
});

forget.addEventListener('click', () => {
  api.setToken('');
  showTokenState();
  go(location.pathname + location.search, {push: false});
});

document.getElementById('interval').textContent = `${pollSeconds()} s`;
showTokenState();
go(location.pathname + location.search, {push: false, focus: false});
