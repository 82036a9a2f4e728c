// Building the page: elements from data, never from HTML text. Every
// string a server sends is set as text (textContent or an attribute), so a
// comment such as <img src=x onerror=alert(1)> shows as those characters.
// Nothing here uses innerHTML, insertAdjacentHTML or document.write.

const SVG_NS = 'http://www.w3.org/2000/svg';

// h('a', {href: '/x', class: 'y'}, 'text', child, [more, children])
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

export function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

// The meaning of each rating, as `ragboard ratings` says (src/rag.c).
export const MILESTONE_RATINGS = ['B', 'G', 'A', 'R', 'BR', 'TBC'];
export const KPI_RATINGS = ['G', 'A', 'R', 'TBC'];
const MEANING = {
  milestone: {
    BR: 'not due to start', B: 'complete', G: 'on track', A: 'started but not on track',
    R: 'significant issues', TBC: 'not yet known, or no update',
  },
  kpi: {
    G: 'achieving target', A: 'almost achieving target', R: 'not achieving target',
    TBC: 'no data yet, or no target',
  },
};

export function meaning(kind, code) {
  return (MEANING[kind] || {})[code] || '';
}

// A rating as text and colour together: the code in a coloured box, its
// meaning for screen readers and in the tooltip.
export function badge(kind, code) {
  if (code === null || code === undefined || code === '') {
    return h('span', {class: 'rag rag-none', title: 'not reported'}, '–',
             h('span', {class: 'vh'}, ' not reported'));
  }
  const m = meaning(kind, code);
  return h('span', {class: `rag rag-${code}`, title: m}, code,
           m ? h('span', {class: 'vh'}, ` (${m})`) : null);
}

// x with at most `digits` decimals, as Intl.NumberFormat('en-GB',
// {maximumFractionDigits}) prints it (grouping commas, halves away from
// zero, on the shortest decimal that reads back as x), written out because
// the first Intl formatter in a new renderer loads ICU's locale data:
// 35-70 ms of a cold page's critical path on the benchmark's machine.
export function decimal(x, digits = 1) {
  if (!Number.isFinite(x)) return String(x);
  const [, whole, part = '', exp = '0'] = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(Math.abs(x)));
  let all = whole + part;
  let point = whole.length + Number(exp);
  if (point < 1) {
    all = '0'.repeat(1 - point) + all;
    point = 1;
  }
  all = all.padEnd(point, '0');
  let int = all.slice(0, point);
  let frac = all.slice(point);
  if (frac.length > digits) {
    const up = frac[digits] >= '5';
    frac = frac.slice(0, digits);
    if (up) {
      const s = String(BigInt(int + frac) + 1n).padStart(int.length + digits, '0');
      int = s.slice(0, s.length - digits);
      frac = s.slice(s.length - digits);
    }
  }
  frac = frac.replace(/0+$/, '');
  int = int.replace(/^0+(?=\d)/, '').replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${x < 0 || Object.is(x, -0) ? '-' : ''}${int}${frac ? `.${frac}` : ''}`;
}

export function pct(x) {
  return x === null || x === undefined ? '–' : `${decimal(x, 1)}%`;
}

// "14:05:09", as toLocaleTimeString('en-GB') prints it (without ICU: see decimal).
export function clock(d = new Date()) {
  const two = (n) => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

// A stacked bar of a tally {total, counts, percent}: the bar itself is
// decoration (aria-hidden); the legend beside it carries every number as
// text.
export function tally(kind, label, t, ratings) {
  const bar = h('div', {class: 'bar', 'aria-hidden': 'true'});
  for (const r of ratings) {
    const n = t.counts[r] || 0;
    if (!n || !t.total) continue;
    const seg = h('span', {class: `seg rag-${r}`});
    seg.style.width = `${(100 * n) / t.total}%`;
    bar.append(seg);
  }
  const legend = h('ul', {class: 'legend'});
  for (const r of ratings) {
    legend.append(h('li', {dataset: {rating: r}},
      badge(kind, r), ' ',
      h('span', {class: 'count'}, String(t.counts[r] ?? 0)), ' ',
      h('span', {class: 'pct'}, `(${pct(t.percent ? t.percent[r] : null)})`)));
  }
  return h('div', {class: 'tally', dataset: {kind}},
    h('p', {class: 'tally-head'}, `${label}: `, h('span', {class: 'total'}, String(t.total)), ' in total'),
    bar, legend);
}

// "2018-19-Q1" → "Q1 2018/19 (April–June 2018)"
export function quarterWords(q) {
  const m = /^(\d{4})-(\d{2})-Q([1-4])$/.exec(q || '');
  if (!m) return q || '';
  const y = Number(m[1]);
  const n = Number(m[3]);
  const months = ['April–June', 'July–September', 'October–December', 'January–March'][n - 1];
  return `Q${n} ${m[1]}/${m[2]} (${months} ${n === 4 ? y + 1 : y})`;
}

export function quarterShort(q) {
  const m = /^(\d{4})-(\d{2})-Q([1-4])$/.exec(q || '');
  return m ? `Q${m[3]} ${m[1]}/${m[2]}` : q || '';
}

// Arrow and words for a change in percentage points.
export function change(now, then) {
  if (now === null || now === undefined || then === null || then === undefined) return null;
  const d = Math.round((now - then) * 10) / 10;
  if (d > 0) return {arrow: '▲', words: `up ${d} points`, cls: 'up'};
  if (d < 0) return {arrow: '▼', words: `down ${-d} points`, cls: 'down'};
  return {arrow: '▶', words: 'no change', cls: 'same'};
}

// A small line chart of values (nulls leave gaps), decoration beside a
// text alternative the caller provides.
export function sparkline(values, {width = 120, height = 28} = {}) {
  const pts = values.map((v, i) => [i, v]).filter(([, v]) => v !== null && v !== undefined);
  const s = svg('svg', {class: 'spark', viewBox: `0 0 ${width} ${height}`, width, height,
                        'aria-hidden': 'true', focusable: 'false'});
  if (pts.length === 0) return s;
  const ys = pts.map(([, v]) => v);
  const lo = Math.min(...ys);
  const hi = Math.max(...ys);
  const n = Math.max(values.length - 1, 1);
  const x = (i) => 3 + (i * (width - 6)) / n;
  const y = (v) => (hi === lo ? height / 2 : height - 3 - ((v - lo) * (height - 6)) / (hi - lo));
  let d = '';
  let prev = -2;
  for (const [i, v] of pts) {
    d += `${i === prev + 1 ? 'L' : 'M'}${x(i).toFixed(1)} ${y(v).toFixed(1)} `;
    prev = i;
  }
  s.append(svg('path', {d: d.trim(), fill: 'none', stroke: 'currentColor', 'stroke-width': 1.5}));
  const [li, lv] = pts[pts.length - 1];
  s.append(svg('circle', {cx: x(li).toFixed(1), cy: y(lv).toFixed(1), r: 2.5, fill: 'currentColor'}));
  return s;
}

// A wide table in a region of its own that scrolls sideways on a phone
// (the page itself never does); focusable so a keyboard can scroll it.
export function tableWrap(label, table) {
  return h('div', {class: 'table-wrap', role: 'region', 'aria-label': label, tabindex: '0'}, table);
}
