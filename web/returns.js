// The returns page (/returns): a partner pastes its token, picks the
// quarter, downloads its template and uploads the filled-in return, all
// through the documented API: GET /api/v1/me (who the token is, which
// quarters it may write now), GET /api/v1/quarters/{q}/template
// (?format=xlsx|csv) and POST /api/v1/quarters/{q}/submissions with the
// file as a browser form (multipart/form-data, one part named "file").
// Every message the server sends is shown as text.
import * as api from './api.js';
import {h, replace, quarterWords} from './dom.js';

const alertBox = document.getElementById('alert');
const who = document.getElementById('who');
const tokenForm = document.getElementById('token-form');
const tokenInput = document.getElementById('token');
const forget = document.getElementById('forget');
const picker = document.getElementById('quarter');
const quarterNote = document.getElementById('quarter-note');
const uploadForm = document.getElementById('upload-form');
const fileInput = document.getElementById('file');
const sendButton = document.getElementById('send');
const result = document.getElementById('result');

const enc = encodeURIComponent;

function showAlert(message) {
  replace(alertBox, message ? h('p', {}, message) : null);
  alertBox.hidden = !message;
}

// A failed answer as an ApiError (its problem document when it has one).
async function failure(resp) {
  let problem = null;
  try {
    problem = await resp.json();
  } catch {
    problem = null;
  }
  return new api.ApiError(resp.status, (problem && (problem.detail || problem.title)) || `HTTP ${resp.status}`, problem);
}

function fillQuarters(quarters, note) {
  replace(picker, quarters.length
    ? quarters.map((q) => h('option', {value: q.id}, `${quarterWords(q.id)}${q.state === 'open' ? '' : ` (${q.state})`}`))
    : h('option', {value: ''}, 'no quarter open to this token'));
  picker.disabled = quarters.length === 0;
  quarterNote.textContent = note || '';
  linkTemplates();
}

// The template links name the chosen quarter (a click fetches with the token).
function linkTemplates() {
  for (const a of document.querySelectorAll('#templates a')) {
    a.href = picker.value ? `/api/v1/quarters/${enc(picker.value)}/template?format=${a.dataset.format}` : '#';
  }
}

// Who the token is and which quarters it may write now (GET /api/v1/me).
async function showWho() {
  const has = api.token() !== '';
  forget.hidden = !has;
  if (!has) {
    who.textContent = 'No token yet: paste the one your organisation was given.';
    fillQuarters([], '');
    picker.disabled = true;
    return;
  }
  try {
    const resp = await api.send('/api/v1/me');
    if (!resp.ok) throw await failure(resp);
    const me = await resp.json();
    const org = me.organisation ? ` for ${me.organisation_name || me.organisation} (${me.organisation})` : '';
    who.textContent = `Signed in as ${me.name}, ${me.role}${org}. This organisation owns ${me.owns.milestones} milestones and ${me.owns.kpis} KPIs.`;
    fillQuarters(me.quarters, me.quarters.length ? ''
      : 'No quarter is open for returns now: ask the partnership office when the next one opens.');
    showAlert(null);
  } catch (err) {
    who.textContent = 'No token in use.';
    fillQuarters([], '');
    if (err instanceof api.ApiError && err.status === 401) {
      showAlert('The server did not accept this token (unknown, mistyped or revoked). Paste a current one.');
      api.setToken('');
      forget.hidden = true;
      tokenInput.focus();
    } else {
      showAlert(api.explain(err));
    }
  }
}

async function downloadTemplate(format) {
  const q = picker.value;
  if (!q) {
    showAlert('Paste your token and pick a quarter first.');
    return;
  }
  try {
    const resp = await api.send(`/api/v1/quarters/${enc(q)}/template?format=${format}`);
    if (!resp.ok) throw await failure(resp);
    const blob = await resp.blob();
    const url = URL.createObjectURL(blob);
    const a = h('a', {href: url, download: `return-${q}.${format}`});
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
    showAlert(null);
  } catch (err) {
    showAlert(api.explain(err));
  }
}

function written(w, kind) {
  const also = [w.unchanged ? `${w.unchanged} unchanged` : '', w.skipped ? `${w.skipped} left empty, skipped` : '']
    .filter(Boolean).join(', ');
  return `${w.written} ${kind}${also ? ` (${also})` : ''}`;
}

// The row errors of a refused return, as a table a partner works through.
function errorTable(errors) {
  return h('table', {class: 'errors-table'},
    h('caption', {}, `${errors.length} ${errors.length === 1 ? 'row needs' : 'rows need'} changing; nothing was written`),
    h('thead', {}, h('tr', {},
      h('th', {scope: 'col'}, 'Row'), h('th', {scope: 'col'}, 'Field'), h('th', {scope: 'col'}, 'What to change'))),
    h('tbody', {}, errors.map((e) => h('tr', {},
      h('td', {class: 'line'}, e.line !== undefined ? `line ${e.line}` : e.index !== undefined ? `row ${e.index + 1}` : '–'),
      h('td', {}, e.field || ''),
      h('td', {}, e.message || '')))));
}

async function upload(e) {
  e.preventDefault();
  const q = picker.value;
  const file = fileInput.files[0];
  if (!q || !file) {
    showAlert(!q ? 'Paste your token and pick a quarter first.' : 'Choose the file to send.');
    return;
  }
  const form = new FormData();
  form.append('file', file, file.name);
  sendButton.disabled = true;
  replace(result, h('p', {}, `Sending ${file.name}…`));
  try {
    // The browser sets the multipart Content-Type with its boundary.
    const resp = await api.send(`/api/v1/quarters/${enc(q)}/submissions`, {method: 'POST', body: form});
    if (!resp.ok) throw await failure(resp);
    const r = await resp.json();
    showAlert(null);
    replace(result, h('div', {class: 'ok', role: 'status'},
      h('p', {}, h('strong', {}, `Return received for ${quarterWords(r.quarter)}.`)),
      h('p', {}, `Written: ${written(r.milestones, 'milestone updates')} and ${written(r.kpis, 'KPI readings')}.`)));
  } catch (err) {
    const problem = err instanceof api.ApiError ? err.problem : null;
    const errors = problem && Array.isArray(problem.errors) ? problem.errors : [];
    replace(result, errors.length ? errorTable(errors) : null);
    showAlert(err instanceof api.ApiError && err.status === 409
      ? `This quarter is not open for returns: ${err.message}` : api.explain(err));
  } finally {
    sendButton.disabled = false;
  }
}

tokenForm.addEventListener('submit', (e) => {
  e.preventDefault();
  api.setToken(tokenInput.value);
  tokenInput.value = '';
  showWho();
});
forget.addEventListener('click', () => {
  api.setToken('');
  showWho();
});
for (const a of document.querySelectorAll('#templates a')) {
  a.addEventListener('click', (e) => {
    e.preventDefault();
    downloadTemplate(a.dataset.format);
  });
}
uploadForm.addEventListener('submit', upload);
picker.addEventListener('change', linkTemplates);
showWho();
