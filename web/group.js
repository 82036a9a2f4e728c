// A group's page: its summary for the quarter, then each priority with its
// milestones and KPIs from the quarter views (GET /api/v1/milestones and
// /api/v1/kpis with ?quarter=: each item with its update or reading and the
// previous one, in one request per list), and a sparkline per KPI from its
// series.
import * as api from './api.js';
import {h, badge, quarterWords, quarterShort, sparkline, tableWrap} from './dom.js';
import {link, groupBody, anyChanged} from './views.js';

const enc = encodeURIComponent;

export function probeGroup(state) {
  return `/api/v1/groups/${enc(state.group)}/summary?quarter=${enc(state.quarter)}`;
}

export async function loadGroup(state) {
  const year = state.quarter.slice(0, 7);
  const g = enc(state.group);
  const q = enc(state.quarter);
  const [group, summary, priorities, milestones, kpis] = await Promise.all([
    api.get(`/api/v1/groups/${g}`),
    api.get(probeGroup(state)),
    api.getAll(`/api/v1/priorities?group=${g}&year=${year}&limit=500`),
    api.getAll(`/api/v1/milestones?group=${g}&year=${year}&quarter=${q}&limit=500`),
    api.getAll(`/api/v1/kpis?group=${g}&year=${year}&quarter=${q}&limit=500`),
  ]);
  // Each KPI's series, for its sparkline (each answer cached per data
  // version by the server, and kept here with its ETag).
  const series = await Promise.all(kpis.body.map((k) => api.get(`/api/v1/kpis/${k.id}/series`)
    .catch(() => ({body: null, changed: false}))));
  return {
    changed: anyChanged(group, summary, priorities, milestones, kpis, ...series),
    model: {
      group: group.body, summary: summary.body, priorities: priorities.body,
      milestones: milestones.body, kpis: kpis.body,
      series: new Map(kpis.body.map((k, i) => [k.id, series[i].body])),
    },
  };
}

const TRAVEL = {improving: ['▲', 'improving'], same: ['▶', 'the same'], worsening: ['▼', 'worsening']};

function travelCell(verdict) {
  if (!verdict) return h('td', {class: 'travel-cell'}, h('span', {class: 'none'}, 'no comparison'));
  const [arrow, words] = TRAVEL[verdict] || ['', verdict];
  return h('td', {class: `travel-cell dot-${verdict}`}, h('span', {'aria-hidden': 'true'}, `${arrow} `), words);
}

function statusCell(m) {
  if (!m.reported) return h('td', {}, badge('milestone', null));
  return h('td', {}, badge('milestone', m.update.status));
}

function previousCell(m) {
  const change = m.update && m.update.status_change;
  if (!m.previous) return h('td', {}, h('span', {class: 'none'}, 'none'));
  return h('td', {}, badge('milestone', m.previous.status),
    change && change.travel ? h('span', {class: `dot-${change.travel}`}, ' ',
      h('span', {'aria-hidden': 'true'}, TRAVEL[change.travel][0]), ` ${TRAVEL[change.travel][1]}`) : null);
}

function milestoneTable(items, label) {
  return tableWrap(label, h('table', {class: 'items'},
    h('caption', {}, label),
    h('thead', {}, h('tr', {},
      h('th', {scope: 'col'}, 'Code'), h('th', {scope: 'col'}, 'Milestone'),
      h('th', {scope: 'col'}, 'Due'), h('th', {scope: 'col'}, 'Status'),
      h('th', {scope: 'col'}, 'Previous quarter'), h('th', {scope: 'col'}, 'Comment'))),
    h('tbody', {}, items.map((m) => h('tr', {dataset: {milestone: m.code}},
      h('th', {scope: 'row', class: 'code'}, m.code),
      h('td', {}, m.description),
      h('td', {}, m.target_text || (m.target_quarter ? quarterShort(m.target_quarter) : '–')),
      statusCell(m), previousCell(m),
      h('td', {class: 'comment'}, m.update && m.update.comment ? m.update.comment : ''))))));
}

function valueText(reading) {
  if (!reading) return '–';
  if (reading.value_text) return reading.value_text;
  return reading.value === null || reading.value === undefined ? '–' : String(reading.value);
}

function ratingCell(k) {
  if (!k.reported) return h('td', {}, badge('kpi', null));
  const r = k.reading;
  const effective = r.effective_rating || r.rating;
  return h('td', {}, badge('kpi', effective),
    r.rating_disagreement ? h('span', {class: 'note'}, ` (reported ${r.rating}, the rule says ${r.computed_rating})`) : null);
}

function sparkCell(series) {
  const pts = series ? series.points : [];
  if (!pts || pts.length < 2) return h('td', {}, h('span', {class: 'none'}, pts && pts.length === 1 ? 'one point' : 'no series'));
  const recent = pts.slice(-8);
  const words = recent.map((p) => `${quarterShort(p.period)} ${p.value_text ?? p.value ?? 'no value'}`).join('; ');
  return h('td', {class: 'spark-cell'}, sparkline(recent.map((p) => p.value)),
    h('span', {class: 'vh'}, `Last ${recent.length} points: ${words}`));
}

function kpiTable(items, label, state, series) {
  return tableWrap(label, h('table', {class: 'items'},
    h('caption', {}, label),
    h('thead', {}, h('tr', {},
      h('th', {scope: 'col'}, 'Code'), h('th', {scope: 'col'}, 'KPI'),
      h('th', {scope: 'col'}, 'Target'), h('th', {scope: 'col'}, 'Value'),
      h('th', {scope: 'col'}, 'Rating'), h('th', {scope: 'col'}, 'Since the last value'),
      h('th', {scope: 'col'}, 'Trend'), h('th', {scope: 'col'}, 'Comment'))),
    h('tbody', {}, items.map((k) => h('tr', {dataset: {kpi: k.code}},
      h('th', {scope: 'row', class: 'code'}, link({quarter: state.quarter, kpi: k.id}, k.code)),
      h('td', {}, k.description),
      h('td', {}, k.target_text || (k.target ?? '–')),
      h('td', {class: 'value'}, valueText(k.reading),
        k.previous ? h('span', {class: 'note'}, ` (before: ${valueText(k.previous)}, ${quarterShort(k.previous.quarter)})`) : null),
      ratingCell(k),
      travelCell(k.reading && k.reading.direction_of_travel),
      sparkCell(series.get(k.id)),
      h('td', {class: 'comment'}, k.reading && k.reading.comment ? k.reading.comment : ''))))));
}

export function renderGroup(model, state) {
  const grp = model.group;
  const byPriority = [...model.priorities].sort((a, b) => a.number - b.number);
  const sections = byPriority.map((p) => {
    const ms = model.milestones.filter((m) => m.priority === p.number);
    const ks = model.kpis.filter((k) => (k.priorities || []).includes(p.number));
    const id = `priority-${p.number}`;
    return h('section', {class: 'priority', 'aria-labelledby': id},
      h('h2', {id}, `Priority ${p.number}: ${p.title}`),
      p.long_title && p.long_title !== p.title ? h('p', {class: 'note'}, p.long_title) : null,
      ms.length ? milestoneTable(ms, `Milestones of priority ${p.number}`) : h('p', {class: 'none'}, 'No milestones.'),
      ks.length ? kpiTable(ks, `KPIs of priority ${p.number}`, state, model.series) : h('p', {class: 'none'}, 'No KPIs.'));
  });
  return [
    h('h1', {id: 'page-h', tabindex: '-1'}, `${grp.name} (${grp.code}), ${quarterWords(state.quarter)}`),
    grp.chairs && grp.chairs.length ? h('p', {}, `Chaired by ${grp.chairs.join('; ')}.`) : null,
    h('section', {class: 'overall', 'aria-label': `${grp.name}: summary`, dataset: {group: grp.code}},
      groupBody(model.summary, state, 2)),
    ...sections,
    h('p', {}, link({quarter: state.quarter}, '← All groups')),
  ];
}


