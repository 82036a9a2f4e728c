// A KPI's page: the server's SPC chart (GET /api/v1/kpis/{id}/chart.svg)
// with its data as a table beside it, the XmR verdicts (/spc) in words,
// and every period of the series (/series) with its comment.
//
// The chart is fetched like any answer (with the token, and its ETag) and
// shown from a blob: URL, so it works without --public-read too; an <img>
// never runs script, whatever the SVG held.
import * as api from './api.js';
import {h, badge, decimal, quarterShort, quarterWords} from './dom.js';
import {link, anyChanged} from './views.js';

const enc = encodeURIComponent;

// The series' ETag moves with every reading of the chain.
export function probeKpi(state) {
  return `/api/v1/kpis/${enc(state.kpi)}/series`;
}

export async function loadKpi(state) {
  const id = enc(state.kpi);
  const [kpi, series, spc, chart] = await Promise.all([
    api.get(`/api/v1/kpis/${id}`),
    api.get(probeKpi(state)),
    api.get(`/api/v1/kpis/${id}/spc`),
    api.get(`/api/v1/kpis/${id}/chart.svg`, {as: 'blob'}),
  ]);
  const group = await api.get(`/api/v1/groups/${enc(kpi.body.group)}`);
  return {
    changed: anyChanged(kpi, series, spc, chart, group),
    model: {kpi: kpi.body, group: group.body, series: series.body, spc: spc.body, chart: chart.body},
  };
}

// One object URL per chart blob: a 304 keeps the blob, and so the URL.
const chartUrls = new WeakMap();
let lastUrl = null;

function chartUrl(blob) {
  let url = chartUrls.get(blob);
  if (!url) {
    if (lastUrl) URL.revokeObjectURL(lastUrl);
    url = URL.createObjectURL(blob);
    chartUrls.set(blob, url);
    lastUrl = url;
  }
  return url;
}

const DIRECTION = {
  increase: 'higher is better', decrease: 'lower is better',
};

const VARIATION = {
  common_cause: 'Common cause variation: the latest value is within what this process normally produces; no sign of change.',
  improvement_high: 'Special cause variation, improving: the latest values are unusually high, which for this KPI is better.',
  improvement_low: 'Special cause variation, improving: the latest values are unusually low, which for this KPI is better.',
  concern_high: 'Special cause variation of concern: the latest values are unusually high, which for this KPI is worse.',
  concern_low: 'Special cause variation of concern: the latest values are unusually low, which for this KPI is worse.',
  neither_high: 'Special cause variation: the latest values are unusually high (this KPI has no better direction).',
  neither_low: 'Special cause variation: the latest values are unusually low (this KPI has no better direction).',
};

const ASSURANCE = {
  pass: 'The target is consistently met: it lies outside the process limits, on the good side.',
  fail: 'The target is consistently missed: it lies outside the process limits, on the bad side. Without a change to the process it will not be met.',
  hit_or_miss: 'The target will be hit or missed at random: it lies between the process limits.',
};

const CAUSE = {improvement: 'improvement', concern: 'concern', neither: 'unusual (neither better nor worse)'};

const TRAVEL = {improving: ['▲', 'improving'], same: ['▶', 'the same'], worsening: ['▼', 'worsening']};

function num(x) {
  return x === null || x === undefined ? '–' : decimal(x, 2);
}

function periodWords(p) {
  return /-Q[1-4]$/.test(p) ? quarterShort(p) : p;
}

function variationWords(spc) {
  const n = spc.points.length;
  if (spc.variation === null) {
    return `Too few values for control limits: ${n} of the ${spc.rules.minimum_points} needed, so no variation or assurance verdict yet.`;
  }
  return VARIATION[spc.variation] || spc.variation;
}

function assuranceWords(spc) {
  if (spc.variation === null) return null;
  if (spc.assurance === null) return 'No assurance verdict: the KPI has no target, or no direction of improvement.';
  return ASSURANCE[spc.assurance] || spc.assurance;
}

function travelCell(verdict) {
  if (!verdict) return h('td', {}, h('span', {class: 'none'}, '–'));
  const [arrow, words] = TRAVEL[verdict] || ['', verdict];
  return h('td', {class: `dot-${verdict}`}, h('span', {'aria-hidden': 'true'}, `${arrow} `), words);
}

function seriesTable(model) {
  const s = model.series;
  const judged = new Map(model.spc.points.map((p) => [p.period, p]));
  return h('div', {class: 'table-wrap', role: 'region', 'aria-label': 'Every value of the series', tabindex: '0'},
    h('table', {class: 'series', id: 'series-table'},
      h('caption', {}, `Every value of the series (the chart's data)${s.unit ? `, in ${s.unit}` : ''}`),
      h('thead', {}, h('tr', {},
        h('th', {scope: 'col'}, 'Period'), h('th', {scope: 'col'}, 'Value'),
        h('th', {scope: 'col'}, 'Target'), h('th', {scope: 'col'}, 'Rating'),
        h('th', {scope: 'col'}, 'Since the last value'), h('th', {scope: 'col'}, 'SPC'),
        h('th', {scope: 'col'}, 'Comment'))),
      h('tbody', {}, s.points.map((p) => {
        const j = judged.get(p.period);
        return h('tr', {dataset: {period: p.period}},
          h('th', {scope: 'row'}, periodWords(p.period),
            p.kpi_id !== s.kpi_id ? h('span', {class: 'note'}, ` (${p.code}, ${p.year})`) : null),
          h('td', {class: 'num'}, p.value_text ?? num(p.value)),
          h('td', {class: 'num'}, num(p.target)),
          h('td', {}, p.effective_rating ? badge('kpi', p.effective_rating) : h('span', {class: 'none'}, '–')),
          travelCell(p.direction_of_travel),
          h('td', {}, !j ? '–' : j.signals === null ? 'not judged (too few values)'
            : j.special_cause ? `special cause: ${CAUSE[j.special_cause] || j.special_cause}` : 'common cause'),
          h('td', {class: 'comment'}, p.comment || ''));
      }))));
}

export function renderKpi(model, state) {
  const k = model.kpi;
  const s = model.series;
  const spc = model.spc;
  const now = s.points.find((p) => p.period === state.quarter);
  const assurance = assuranceWords(spc);
  return [
    h('h1', {id: 'page-h', tabindex: '-1'}, `${k.code}: ${k.description}`),
    h('dl', {class: 'facts'},
      h('dt', {}, 'Group'), h('dd', {}, link({quarter: state.quarter, group: model.group.code}, model.group.name)),
      h('dt', {}, 'Target'), h('dd', {}, k.target_text || (k.target === null ? 'none' : num(k.target))),
      h('dt', {}, 'Better when'), h('dd', {}, DIRECTION[k.direction] || 'no direction set'),
      k.unit ? [h('dt', {}, 'Unit'), h('dd', {}, k.unit)] : null,
      k.owner ? [h('dt', {}, 'Owner'), h('dd', {}, k.owner)] : null,
      k.source ? [h('dt', {}, 'Source'), h('dd', {}, k.source)] : null,
      s.chain.length > 1 ? [h('dt', {}, 'Series'), h('dd', {}, s.chain.map((c) => `${c.code} (${c.year})`).join(', then '))] : null),
    h('section', {class: 'now', 'aria-labelledby': 'now-h'},
      h('h2', {id: 'now-h'}, quarterWords(state.quarter)),
      now && now.value !== null
        ? h('p', {}, 'Value ', h('strong', {}, now.value_text ?? num(now.value)),
          ` against a target of ${num(now.target)}: `, badge('kpi', now.effective_rating),
          now.direction_of_travel ? ` (${TRAVEL[now.direction_of_travel][1]} since the last value)` : null)
        : h('p', {class: 'none'}, 'No value reported for this quarter.'),
      now && now.comment ? h('p', {class: 'comment'}, now.comment) : null),
    h('section', {class: 'chart', 'aria-labelledby': 'chart-h'},
      h('h2', {id: 'chart-h'}, 'Statistical process control chart'),
      h('figure', {},
        h('img', {src: chartUrl(model.chart), id: 'spc-chart', width: 800, height: 480,
          alt: `XmR chart of ${k.code}: ${s.points.filter((p) => p.value !== null).length} values; the table below gives each one.`}),
        h('figcaption', {},
          h('p', {class: 'variation'}, variationWords(spc)),
          assurance ? h('p', {class: 'assurance'}, assurance) : null,
          spc.mean !== null
            ? h('p', {class: 'note'}, `Mean ${num(spc.mean)}; process limits ${num(spc.lower_process_limit)} to ${num(spc.upper_process_limit)}.`)
            : null))),
    h('section', {'aria-labelledby': 'series-h'},
      h('h2', {id: 'series-h'}, 'The series and its comments'),
      s.points.length ? seriesTable(model) : h('p', {class: 'none'}, 'No values yet.')),
  ];
}
