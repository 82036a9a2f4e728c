// The dashboard's views. Each has load(state) → {changed, model}, which
// asks the API (every answer through api.get, so a poll of unchanged data
// costs 304s only), and render(model, state) → the elements of <main>.
import * as api from './api.js';
import {
  h, badge, tally, pct, change, quarterWords, quarterShort,
  MILESTONE_RATINGS, KPI_RATINGS,
} from './dom.js';

const enc = encodeURIComponent;

export function href(state) {
  const p = new URLSearchParams();
  if (state.quarter) p.set('quarter', state.quarter);
  if (state.group) p.set('group', state.group);
  if (state.kpi) p.set('kpi', state.kpi);
  const q = p.toString();
  return q ? `/?${q}` : '/';
}

export function link(state, ...text) {
  return h('a', {href: href(state), 'data-nav': ''}, ...text);
}

// Tolerate an API that answers a resource with 401/403/404 for this
// reader: the view shows why in place of that section.
async function optional(promise) {
  try {
    return {ok: true, ...(await promise)};
  } catch (err) {
    if (err instanceof api.ApiError && [401, 403, 404, 406].includes(err.status)) {
      return {ok: false, error: err, changed: true};
    }
    throw err;
  }
}

export function anyChanged(...rs) {
  return rs.some((r) => r && r.changed);
}

// ---- quarters -------------------------------------------------------------

export async function loadQuarters() {
  return api.getAll('/api/v1/quarters');
}

// Whether anything was reported in a summary's quarter.
function reportedAny(summary) {
  const o = summary.overall;
  for (const kind of ['milestones', 'kpis']) {
    const t = o[kind];
    if (typeof t.not_reported === 'number') {
      if (t.not_reported < t.total) return true;
    } else if (Object.entries(t.counts).some(([r, n]) => r !== 'TBC' && n > 0)) {
      return true;
    }
  }
  return false;
}

// The overview's default: the latest quarter with any update (asked
// newest first; each summary is cached by the server and here).
export async function defaultQuarter(quarters) {
  const ids = quarters.map((q) => q.id).sort().reverse();
  for (const id of ids) {
    const {body} = await api.get(`/api/v1/summary?quarter=${enc(id)}`);
    if (reportedAny(body)) return id;
  }
  return ids[0] || null;
}

// ---- overview -------------------------------------------------------------

export function probeOverview(state) {
  return `/api/v1/summary?quarter=${enc(state.quarter)}`;
}

export async function loadOverview(state) {
  const q = enc(state.quarter);
  const [summary, completeness] = await Promise.all([
    api.get(`/api/v1/summary?quarter=${q}`),
    optional(api.get(`/api/v1/quarters/${q}/completeness`)),
  ]);
  return {changed: anyChanged(summary, completeness), model: {summary: summary.body, completeness}};
}

function headline(label, t, onTrackKey) {
  return `${pct(t[onTrackKey])} of ${label} ${label === 'milestones' ? 'are on track or complete' : 'are on track'}`;
}

function comparisonRow(label, now, prev, last) {
  const cell = (then) => {
    if (then === null || then === undefined) return h('td', {}, 'no data');
    const c = change(now, then);
    return h('td', {}, pct(then), ' ',
      c ? h('span', {class: `trend trend-${c.cls}`}, '(', h('span', {'aria-hidden': 'true'}, `${c.arrow} `),
            `${c.words} since`, ')') : null);
  };
  return h('tr', {}, h('th', {scope: 'row'}, label), h('td', {}, pct(now)), cell(prev), cell(last));
}

function comparisonTable(caption, cmp, ms, kp) {
  const prev = cmp && cmp.previous_quarter;
  const last = cmp && cmp.same_quarter_last_year;
  return h('table', {class: 'compare'},
    h('caption', {}, caption),
    h('thead', {}, h('tr', {},
      h('th', {scope: 'col'}, 'Headline'),
      h('th', {scope: 'col'}, 'This quarter'),
      h('th', {scope: 'col'}, prev ? `Previous quarter (${quarterShort(prev.quarter)})` : 'Previous quarter'),
      h('th', {scope: 'col'}, last ? `Same quarter last year (${quarterShort(last.quarter)})` : 'Same quarter last year'))),
    h('tbody', {},
      comparisonRow('Milestones on track or complete', ms.on_track_or_complete_percent,
        prev ? prev.milestones_on_track_or_complete_percent : null,
        last ? last.milestones_on_track_or_complete_percent : null),
      comparisonRow('KPIs on track', kp.on_track_percent,
        prev ? prev.kpis_on_track_percent : null, last ? last.kpis_on_track_percent : null)));
}

// Direction-of-travel counts, where the summary carries them (issue 18).
function travel(t, label) {
  const d = t && (t.direction_of_travel || t.travel);
  if (!d) return null;
  return h('p', {class: 'travel'}, `${label}: `,
    h('span', {class: 'dot-improving'}, h('span', {'aria-hidden': 'true'}, '▲ '), `${d.improving ?? 0} improving`), ', ',
    h('span', {class: 'dot-same'}, h('span', {'aria-hidden': 'true'}, '▶ '), `${d.same ?? 0} the same`), ', ',
    h('span', {class: 'dot-worsening'}, h('span', {'aria-hidden': 'true'}, '▼ '), `${d.worsening ?? 0} worsening`),
    d.no_comparison ? `, ${d.no_comparison} with nothing to compare` : null);
}

function notReported(t) {
  return typeof t.not_reported === 'number' && t.not_reported > 0
    ? h('p', {class: 'note'}, `${t.not_reported} of ${t.total} not reported this quarter`) : null;
}

function exceptionList(items, state) {
  if (!items || items.length === 0) return h('p', {class: 'none'}, 'No red milestones or KPIs.');
  return h('ul', {class: 'exceptions'}, items.map((x) => h('li', {},
    h('p', {class: 'exc-head'}, badge(x.type === 'kpi' ? 'kpi' : 'milestone', x.status || x.rating || 'R'), ' ',
      x.type === 'kpi'
        ? link({quarter: state.quarter, kpi: x.id}, h('span', {class: 'code'}, x.code))
        : h('span', {class: 'code'}, x.code),
      ' ', x.description,
      x.value_text ? h('span', {class: 'value'}, ` — ${x.value_text}`) : null,
      x.status_change ? h('span', {class: 'note'}, ` (${x.status_change.from} last quarter)`) : null),
    x.comment ? h('p', {class: 'comment'}, x.comment) : h('p', {class: 'comment none'}, 'No comment given.'))));
}

// A group's numbers for the quarter: headline sentences, stacked bars with
// counts and percentages, direction of travel, comparisons, red exceptions
// (the overview's tile and the top of the group page).
// level: the heading level of its sub-heading (4 in a tile under an h3).
export function groupBody(g, state, level = 4) {
  const ms = g.milestones;
  const kp = g.kpis;
  return [
    h('p', {class: 'headline'}, `${headline('milestones', ms, 'on_track_or_complete_percent')} and ${headline('KPIs', kp, 'on_track_percent')}.`),
    h('p', {class: 'headline'}, `${pct(ms.red_percent)} of milestones and ${pct(kp.red_percent)} of KPIs are red.`),
    tally('milestone', 'Milestones', ms, MILESTONE_RATINGS), notReported(ms),
    tally('kpi', 'KPIs', kp, KPI_RATINGS), notReported(kp),
    travel(kp, 'KPIs since last quarter'), travel(ms, 'Milestones since last quarter'),
    g.comparison ? comparisonTable(`${g.name} against earlier quarters`, g.comparison, ms, kp) : null,
    h(`h${level}`, {}, `Red exceptions (${(g.exceptions || []).length})`),
    exceptionList(g.exceptions, state),
  ];
}

function groupTile(g, state) {
  const id = `group-${g.code}`;
  return h('article', {class: 'tile', 'aria-labelledby': id, dataset: {group: g.code}},
    h('h3', {id}, link({quarter: state.quarter, group: g.code}, g.name, ' ', h('span', {class: 'code'}, `(${g.code})`))),
    groupBody(g, state));
}

function completenessSection(c, state) {
  const sec = h('section', {class: 'completeness', 'aria-labelledby': 'completeness-h'},
    h('h2', {id: 'completeness-h'}, 'Completeness: who has not reported'));
  if (!c.ok) {
    sec.append(h('p', {class: 'note'}, c.error.status === 401 || c.error.status === 403
      ? 'Completeness is shown with a viewer or admin token.' : api.explain(c.error)));
    return sec;
  }
  const b = c.body;
  sec.append(h('p', {}, `${b.provided} of ${b.total} items have an update or reading for ${quarterShort(b.quarter)}.`));
  sec.append(h('table', {},
    h('caption', {}, 'By organisation'),
    h('thead', {}, h('tr', {},
      h('th', {scope: 'col'}, 'Organisation'), h('th', {scope: 'col', class: 'num'}, 'Items'),
      h('th', {scope: 'col', class: 'num'}, 'Reported'), h('th', {scope: 'col', class: 'num'}, 'Complete'),
      h('th', {scope: 'col'}, 'Still missing'))),
    h('tbody', {}, b.organisations.map((o) => h('tr', {dataset: {organisation: o.code}},
      h('th', {scope: 'row'}, o.code), h('td', {class: 'num'}, String(o.total)),
      h('td', {class: 'num'}, String(o.provided)), h('td', {class: 'num'}, pct(o.percent)),
      h('td', {}, o.missing.length === 0 ? 'nothing'
        : o.missing.map((m) => m.code).join(', ')))))));
  return sec;
}

const REPORT_FORMATS = [
  ['html', 'Web page (prints to PDF)'], ['md', 'Markdown (for Word via pandoc)'],
  ['csv', 'CSV tables'], ['json', 'JSON (the report model)'],
];

function reportSection(state) {
  return h('section', {class: 'reports', 'aria-labelledby': 'reports-h'},
    h('h2', {id: 'reports-h'}, `Board report for ${quarterShort(state.quarter)}`),
    h('ul', {}, REPORT_FORMATS.map(([fmt, words]) => h('li', {},
      h('a', {href: `/api/v1/reports/${enc(state.quarter)}?format=${fmt}`, 'data-download': fmt}, words)))));
}

export function renderOverview(model, state) {
  const s = model.summary;
  const o = s.overall;
  return [
    h('h1', {id: 'page-h', tabindex: '-1'}, `Overall position, ${quarterWords(s.quarter)}`),
    h('section', {class: 'overall', 'aria-labelledby': 'page-h', dataset: {group: '*'}},
      h('p', {class: 'headline big'},
        `${headline('milestones', o.milestones, 'on_track_or_complete_percent')} and ${headline('KPIs', o.kpis, 'on_track_percent')}.`),
      h('p', {class: 'headline'}, `${pct(o.milestones.red_percent)} of milestones and ${pct(o.kpis.red_percent)} of KPIs are red.`),
      h('div', {class: 'pair'},
        h('div', {}, tally('milestone', 'Milestones', o.milestones, MILESTONE_RATINGS), notReported(o.milestones)),
        h('div', {}, tally('kpi', 'KPIs', o.kpis, KPI_RATINGS), notReported(o.kpis))),
      travel(o.kpis, 'KPIs since last quarter'), travel(o.milestones, 'Milestones since last quarter'),
      comparisonTable('Against earlier quarters', s.comparison, o.milestones, o.kpis)),
    h('section', {'aria-labelledby': 'groups-h'},
      h('h2', {id: 'groups-h'}, 'Groups'),
      h('div', {class: 'tiles'}, s.groups.map((g) => groupTile(g, state)))),
    completenessSection(model.completeness, state),
    reportSection(state),
  ];
}
