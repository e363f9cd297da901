// The page of contacts serve: search, the card, add/edit/delete, history
// and undo, and the screen pop. It talks to the server's JSON API with the
// session cookie (and, on writes, the session's CSRF token), writes every
// value with textContent, and validates nothing itself: the API's field
// messages are shown next to the fields.

const app = document.getElementById('app');
const csrf = app.dataset.csrf;
const q = document.getElementById('q');
const results = document.getElementById('results');
const listStatus = document.getElementById('list-status');
const detail = document.getElementById('detail');
const LIMIT = 20;

// Invisible characters are shown as escapes, as the CLI shows them:
// controls, bidi controls, zero-width and other format characters, the tag
// characters and the fillers that look like nothing.
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u00ad\u034f\u115f\u1160\u17b4\u17b5\u180e\u2028\u2029\u3164\uffa0\u{e0000}-\u{e007f}\p{Cf}]/gu;

export function visible(s, keep = '') {
  if (s == null) return '';
  return String(s).replace(INVISIBLE, (ch) => {
    if (keep.includes(ch)) return ch;
    const cp = ch.codePointAt(0);
    if (cp < 0x80) return '\\x' + cp.toString(16).padStart(2, '0');
    if (cp <= 0xffff) return '\\u' + cp.toString(16).padStart(4, '0');
    return '\\U' + cp.toString(16).padStart(8, '0');
  });
}

function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'text') e.textContent = v;
    else if (k === 'class') e.className = v;
    else if (k.startsWith('data-') || k.startsWith('aria-') || k === 'href' || k === 'role') e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const c of children) if (c != null) e.append(c);
  return e;
}

function clone(id) {
  return document.getElementById(id).content.firstElementChild.cloneNode(true);
}

function when(iso) {
  const d = new Date(iso);
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

function setTime(t, iso) {
  t.dateTime = iso;
  t.title = iso;
  t.textContent = when(iso);
}

function signIn() {
  location.assign('/signin?next=' + encodeURIComponent(location.pathname + location.search));
}

// api calls the JSON API; it answers {status, data, etag}. A 401 (the
// session ended, the key was revoked) goes to the sign-in.
async function api(method, path, body, opts = {}) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET') headers['X-CSRF-Token'] = csrf;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (opts.etag) headers['If-Match'] = opts.etag;
  const res = await fetch(path, {
    method, headers, credentials: 'same-origin', signal: opts.signal,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 401) {
    signIn();
    throw new Error('signed out');
  }
  let data = null;
  if (res.status !== 204) {
    try { data = await res.json(); } catch { data = null; }
  }
  return { status: res.status, data, etag: res.headers.get('ETag') };
}

function errorOf(res) {
  return (res.data && res.data.error) || { code: 'internal', field: null, message: `the server answered ${res.status}` };
}

const contactPath = (id) => '/api/v1/contacts/' + encodeURIComponent(id);

// ---- search ----

let searchSeq = 0;
let searchCtrl = null;

// The page marks its moments for the speed benchmarks (Performance API):
// "contacts:results" when a listing is shown, "contacts:card" when a card
// is; #results carries data-ms, the time from the keystroke to its results.
async function search() {
  const started = performance.now();
  const text = q.value.trim();
  const seq = ++searchSeq;
  if (searchCtrl) searchCtrl.abort();
  searchCtrl = new AbortController();
  const url = text
    ? `/api/v1/contacts?q=${encodeURIComponent(text)}&limit=${LIMIT}`
    : `/api/v1/contacts?limit=${LIMIT}`;
  let res;
  try {
    res = await api('GET', url, undefined, { signal: searchCtrl.signal });
  } catch (e) {
    if (e.name !== 'AbortError' && seq === searchSeq) listStatus.textContent = 'The search failed: ' + e.message;
    return;
  }
  if (seq !== searchSeq) return;
  if (res.status !== 200) {
    showResults([], text);
    listStatus.textContent = visible(errorOf(res).message);
  } else {
    showResults(res.data, text);
  }
  results.dataset.ms = (performance.now() - started).toFixed(2);
  performance.mark('contacts:results');
}

function showResults(list, text) {
  const items = list.map((c) => {
    const sub = [c.phone_formatted, c.company_name].filter(Boolean).map((s) => visible(s)).join(' · ');
    const b = el('button', { type: 'button', 'data-id': c.id },
      el('span', { class: 'r-name', text: c.name ? visible(c.name) : '(no name)' }),
      el('span', { class: 'r-sub', text: sub }));
    b.addEventListener('click', () => openContact(c.id, c));
    return el('li', {}, b);
  });
  results.replaceChildren(...items);
  results.dataset.query = text;
  if (text) {
    listStatus.textContent = list.length ? `${list.length}${list.length === LIMIT ? '+' : ''} found for “${visible(text)}”` : `No contact matches “${visible(text)}”`;
  } else {
    listStatus.textContent = list.length ? 'Newest contacts' : 'No contacts yet: add one with New contact';
  }
}

// ---- the detail pane ----

let opened = null; // the element that opened the detail, for Esc
let view = 0; // counts what the detail pane showed: a late answer for an old view is dropped

function showDetail(node) {
  view++;
  detail.replaceChildren(node);
  detail.hidden = false;
  app.classList.add('showing');
}

function closeDetail() {
  view++;
  detail.hidden = true;
  detail.replaceChildren();
  app.classList.remove('showing');
  if (location.pathname !== '/' || location.search) history.replaceState(null, '', '/');
  const back = opened && opened.isConnected ? opened : q;
  opened = null;
  back.focus();
}

async function openContact(id, known) {
  opened = document.activeElement;
  if (known) renderCard(known, null);
  const seen = view;
  const res = await api('GET', contactPath(id));
  if (known && seen !== view) return; // the user moved on
  if (res.status === 200) {
    renderCard(res.data, res.etag);
  } else if (!known) {
    showDetail(el('div', {}, el('p', { class: 'message', role: 'alert', text: visible(errorOf(res).message) })));
  }
}

function renderCard(c, etag) {
  const card = clone('card-tpl');
  card.dataset.id = c.id;
  card.querySelector('.name').textContent = c.name ? visible(c.name) : '(no name)';
  const company = card.querySelector('.company-name');
  company.textContent = visible(c.company_name);
  company.hidden = !c.company_name;
  const phone = card.querySelector('.phone');
  phone.href = 'tel:' + c.phone;
  phone.textContent = c.phone_formatted;
  const email = card.querySelector('.email');
  if (c.email) {
    email.href = 'mailto:' + c.email;
    email.textContent = visible(c.email);
  } else {
    card.querySelectorAll('.email-row').forEach((e) => { e.hidden = true; });
  }
  if (c.note) card.querySelector('.note').textContent = visible(c.note, '\n\t');
  else card.querySelectorAll('.note-row').forEach((e) => { e.hidden = true; });
  setTime(card.querySelector('.created'), c.created_at);
  setTime(card.querySelector('.updated'), c.updated_at);

  const message = card.querySelector('.message');
  card.querySelector('.edit').addEventListener('click', () => showForm(c, etag));
  card.querySelector('.close').addEventListener('click', closeDetail);
  const confirm = card.querySelector('.confirm');
  card.querySelector('.delete').addEventListener('click', () => {
    confirm.querySelector('.confirm-text').textContent = `Delete ${c.name ? visible(c.name) : c.phone_formatted}? The history keeps it, and it can be undone.`;
    confirm.hidden = false;
    confirm.querySelector('.confirm-no').focus();
  });
  confirm.querySelector('.confirm-no').addEventListener('click', () => {
    confirm.hidden = true;
    card.querySelector('.delete').focus();
  });
  confirm.querySelector('.confirm-yes').addEventListener('click', async () => {
    const res = await api('DELETE', contactPath(c.id), undefined, { etag });
    if (res.status === 204) {
      renderDeleted(c);
      search();
    } else {
      confirm.hidden = true;
      message.textContent = visible(errorOf(res).message);
    }
  });
  showDetail(card);
  performance.mark('contacts:card');
  loadHistory(card, c);
}

function actorText(a) {
  if (!a || !a.via) return 'unknown';
  if (a.key_name) return `${a.via} key ${visible(a.key_name)}`;
  if (a.key_id) return `${a.via} key ${a.key_id}`;
  return a.user ? `${a.via} ${visible(a.user)}` : a.via;
}

async function loadHistory(card, c) {
  const res = await api('GET', contactPath(c.id) + '/history');
  if (res.status !== 200 || !card.isConnected) return;
  const revs = res.data;
  const items = revs.slice().reverse().map((r) => {
    const op = r.operation || {};
    const li = el('li', {}, `${r.kind} · `, el('time', { dateTime: op.at, title: op.at, text: when(op.at) }),
      ` · ${actorText(op.actor)}`);
    if (op.undoes) li.append(' (an undo)');
    return li;
  });
  card.querySelector('.revisions').replaceChildren(...items);
  const last = revs.length ? revs[revs.length - 1].operation : null;
  const undo = card.querySelector('.undo');
  if (!last) return;
  undo.hidden = false;
  undo.textContent = `Undo last change (${revs[revs.length - 1].kind}, ${when(last.at)})`;
  undo.addEventListener('click', () => undoOperation(last.id, c, card.querySelector('.message')));
}

async function undoOperation(opID, c, message) {
  const res = await api('POST', '/api/v1/operations/' + encodeURIComponent(opID) + '/undo');
  if (res.status !== 200) {
    message.textContent = visible(errorOf(res).message);
    return;
  }
  search();
  const again = await api('GET', contactPath(c.id));
  if (again.status === 200) {
    renderCard(again.data, again.etag);
    detail.querySelector('.message').textContent = 'Undone.';
  } else {
    renderGone(c, 'The undo removed this contact.');
  }
}

function renderDeleted(c) {
  const name = c.name ? visible(c.name) : c.phone_formatted;
  const undo = el('button', { type: 'button', class: 'undo-delete', text: 'Undo the delete' });
  const message = el('p', { class: 'message', role: 'alert' });
  const panel = el('div', { class: 'deleted' }, el('p', { class: 'gone', role: 'status', text: `${name} was deleted.` }),
    el('div', { class: 'actions' }, undo, el('button', { type: 'button', text: 'Close', onclick: closeDetail })), message);
  undo.addEventListener('click', async () => {
    const res = await api('GET', contactPath(c.id) + '/history');
    const revs = res.status === 200 ? res.data : [];
    if (!revs.length) return;
    undoOperation(revs[revs.length - 1].operation.id, c, message);
  });
  showDetail(panel);
  undo.focus();
}

function renderGone(c, text) {
  showDetail(el('div', {}, el('p', { class: 'gone', role: 'status', text }),
    el('div', { class: 'actions' }, el('button', { type: 'button', text: 'Close', onclick: closeDetail }))));
}

// ---- add and edit ----

const FIELDS = ['name', 'phone', 'email', 'company_name', 'note'];

// showForm shows the form to add a contact (c null; prefill its values) or
// to edit c.
function showForm(c, etag, prefill = {}, intro = null) {
  const form = clone('form-tpl');
  form.querySelector('.form-title').textContent = c ? `Edit ${c.name ? visible(c.name) : c.phone_formatted}` : 'New contact';
  const introEl = form.querySelector('.form-intro');
  if (intro) introEl.replaceChildren(...intro); else introEl.remove();
  const input = (f) => form.elements.namedItem(f);
  for (const f of FIELDS) {
    const v = c ? (f === 'phone' ? c.phone_formatted : c[f]) : prefill[f];
    input(f).value = v == null ? '' : v;
  }
  const formError = form.querySelector('.form-error');
  const clearErrors = () => {
    for (const f of FIELDS) {
      form.querySelector('#e-' + f).replaceChildren();
      input(f).removeAttribute('aria-invalid');
    }
    formError.replaceChildren();
  };
  form.querySelector('.cancel').addEventListener('click', () => {
    if (c) renderCard(c, etag); else closeDetail();
  });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors();
    const body = {};
    for (const f of FIELDS) body[f] = input(f).value;
    const save = form.querySelector('.save');
    save.disabled = true;
    let res;
    try {
      res = c ? await api('PATCH', contactPath(c.id), body, { etag })
        : await api('POST', '/api/v1/contacts', body);
    } finally {
      save.disabled = false;
    }
    if (res.status === 200 || res.status === 201) {
      renderCard(res.data, res.etag);
      detail.querySelector('.message').textContent = res.status === 201 ? 'Added.' : 'Saved.';
      search();
      return;
    }
    const err = errorOf(res);
    const slot = err.field && FIELDS.includes(err.field) ? form.querySelector('#e-' + err.field) : formError;
    slot.append(visible(err.message));
    if (err.code === 'conflict' && err.contact_id) {
      const id = err.contact_id;
      const link = el('a', { href: '/?contact=' + encodeURIComponent(id), class: 'holder', text: 'open the contact that has it' });
      link.addEventListener('click', (e) => { e.preventDefault(); openContact(id); });
      slot.append(' — ', link);
    }
    if (err.code === 'precondition_failed' && c) {
      const link = el('a', { href: '/?contact=' + encodeURIComponent(c.id), text: 'load it again' });
      link.addEventListener('click', (e) => { e.preventDefault(); openContact(c.id); });
      slot.append(' — ', link);
    }
    if (slot !== formError) {
      input(err.field).setAttribute('aria-invalid', 'true');
      input(err.field).focus();
    }
  });
  opened = opened || document.activeElement;
  showDetail(form);
  const first = c || prefill.phone ? 'name' : 'phone';
  input(first).focus();
}

// ---- the screen pop ----

async function pop() {
  const d = app.dataset;
  if (d.popError) {
    showDetail(el('div', { class: 'pop' },
      el('h2', { text: 'Not a phone number' }),
      el('p', { class: 'message', role: 'alert', text: visible(d.popError) }),
      el('div', { class: 'actions' }, el('button', { type: 'button', text: 'Close', onclick: closeDetail }))));
    return;
  }
  if (d.popContact) { // the server sent the caller with the page
    const c = JSON.parse(d.popContact);
    openContact(c.id, c);
    return;
  }
  const res = await api('GET', '/api/v1/contacts?phone=' + encodeURIComponent(d.popE164) + '&limit=1');
  if (res.status === 200 && res.data.length) {
    openContact(res.data[0].id, res.data[0]);
    return;
  }
  const intro = [
    el('span', { class: 'unknown', text: `Unknown caller — ${d.popDescription}` }),
    el('br'),
    el('span', { class: 'pop-number', text: d.popFormatted }),
  ];
  showForm(null, null, { phone: d.popFormatted }, intro);
  detail.querySelector('.form-title').textContent = 'Add this caller';
}

// ---- the keyboard ----

function resultButtons() {
  return Array.from(results.querySelectorAll('button'));
}

document.addEventListener('keydown', (e) => {
  const t = e.target;
  const typing = t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement;
  if (e.key === '/' && !typing && !e.ctrlKey && !e.metaKey && !e.altKey) {
    e.preventDefault();
    q.focus();
    q.select();
    return;
  }
  if (e.key === 'Escape') {
    if (!detail.hidden) {
      e.preventDefault();
      closeDetail();
    } else if (t === q && q.value) {
      q.value = '';
      search();
    }
    return;
  }
  if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
    const buttons = resultButtons();
    const i = buttons.indexOf(t);
    if (t === q && e.key === 'ArrowDown' && buttons.length) {
      e.preventDefault();
      buttons[0].focus();
    } else if (i >= 0) {
      e.preventDefault();
      if (e.key === 'ArrowDown' && i + 1 < buttons.length) buttons[i + 1].focus();
      else if (e.key === 'ArrowUp') (i > 0 ? buttons[i - 1] : q).focus();
    }
  }
});

q.addEventListener('input', search);
q.addEventListener('keydown', (e) => {
  if (e.key === 'Enter') {
    const first = results.querySelector('button');
    if (first) { e.preventDefault(); first.click(); }
  }
});
document.getElementById('new').addEventListener('click', () => { opened = document.activeElement; showForm(null, null); });

// ---- start ----

// The newest contacts came with the page: shown at once, without a request.
function start() {
  if (app.dataset.newest && !q.value.trim()) {
    showResults(JSON.parse(app.dataset.newest), '');
    performance.mark('contacts:results');
  } else {
    search();
  }
}

if (app.dataset.pop) {
  pop(); // the caller first, then the listing
  start();
} else {
  start();
  const id = new URLSearchParams(location.search).get('contact');
  if (id) openContact(id);
  else q.focus();
}
app.dataset.ready = '1';
