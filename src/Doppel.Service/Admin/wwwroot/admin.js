// The admin page: hash routes over /admin/api. No framework, no build step; every state change sends the
// antiforgery token from /admin/api/me in the X-CSRF-TOKEN header.
'use strict';

const state = { me: null, csrf: null, tenant: null, queue: [], index: 0, decided: 0, keyHandler: null };
const view = () => document.getElementById('view');

function el(tag, props, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else e.setAttribute(k, v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
  return e;
}

async function api(path, options = {}) {
  const sep = path.includes('?') ? '&' : '?';
  const init = { credentials: 'same-origin', headers: { 'Accept': 'application/json' }, ...options };
  if (options.body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(options.body);
  }
  if (init.method && init.method !== 'GET') init.headers['X-CSRF-TOKEN'] = state.csrf;
  const response = await fetch('/admin/api' + path + sep + 'tenant=' + encodeURIComponent(state.tenant || ''), init);
  if (response.status === 401) { location.href = '/admin/login'; throw new Error('signed out'); }
  if (response.status === 204 || response.status === 202) return null;
  const json = await response.json().catch(() => null);
  if (!response.ok) {
    const error = new Error((json && (json.detail || json.title)) || ('HTTP ' + response.status));
    error.status = response.status;
    throw error;
  }
  return json;
}

const fmt = (x, digits = 3) => (x === null || x === undefined) ? '–' : Number(x).toFixed(digits);
const when = t => t ? new Date(t).toLocaleString() : '–';

function show(...nodes) {
  if (state.keyHandler) { document.removeEventListener('keydown', state.keyHandler); state.keyHandler = null; }
  view().replaceChildren(...nodes);
}

function failure(e) {
  show(el('p', { class: 'error', id: 'error' }, e.status === 403 ? 'This page is for administrators.' : e.message));
}

async function setsView() {
  const sets = await api('/sets');
  const rows = sets.map(s => el('tr', { dataset: { setId: s.id } },
    el('td', {}, el('a', { href: '#set/' + s.id }, s.group)),
    el('td', { class: 'state' }, s.state),
    el('td', {}, s.images), el('td', {}, s.findings), el('td', {}, s.undecided),
    el('td', {}, s.run ? `${s.run.processed}/${s.run.total} (${s.run.state})` : '–'),
    el('td', {}, when(s.updated_at))));
  show(el('h1', {}, 'Sets'),
    sets.length ? el('table', { id: 'sets' }, el('tr', {}, ['Group', 'State', 'Images', 'Pairs', 'Undecided', 'Progress', 'Updated'].map(h => el('th', {}, h))), rows)
      : el('p', { class: 'muted' }, 'No sets in this tenant yet.'));
}

async function setView(id) {
  const { set, webhooks } = await api('/sets/' + id);
  const admin = state.me.role === 'admin';
  const log = webhooks.map(d => el('tr', {},
    el('td', {}, d.event), el('td', {}, d.url), el('td', {}, d.state), el('td', {}, d.attempts),
    el('td', {}, (d.log || []).map(a => `#${a.number} ${a.status_code ?? a.error ?? ''}`).join(', ')),
    el('td', {}, admin ? el('button', { onclick: async () => { await api(`/webhooks/deliveries/${d.id}/resend`, { method: 'POST' }); route(); } }, 'Resend') : '')));
  show(el('h1', {}, 'Set ', el('span', { id: 'set-group' }, set.group)),
    el('p', {}, 'State ', el('strong', { id: 'set-state' }, set.state), ` · ${set.images} images · ${set.findings} pairs · `,
      el('span', { id: 'set-undecided' }, set.undecided), ' undecided',
      set.run ? ` · run ${set.run.processed}/${set.run.total} ${set.run.state}` : '', set.error ? el('span', { class: 'error' }, ' ' + set.error) : ''),
    el('p', {}, el('a', { href: '#review/' + id, id: 'start-review' }, 'Review pairs'), ' · ', el('a', { href: '#explore/' + id, id: 'explore' }, 'Threshold explorer')),
    el('h2', {}, 'Webhook log'),
    webhooks.length ? el('table', { id: 'webhooks' }, el('tr', {}, ['Event', 'URL', 'State', 'Attempts', 'Log', ''].map(h => el('th', {}, h))), log)
      : el('p', { class: 'muted' }, 'No webhook deliveries for this set.'));
}

function photo(findingId, side, faces) {
  const img = el('img', { src: `/admin/api/findings/${findingId}/photo/${side}?tenant=${state.tenant}`, alt: `photo ${side}`, class: 'pair-photo' });
  const frame = el('div', { class: 'photo' }, img);
  const crops = el('div', { class: 'crops' });
  img.addEventListener('load', () => {
    const sx = img.clientWidth / img.naturalWidth, sy = img.clientHeight / img.naturalHeight;
    for (const f of faces) {
      const b = el('div', { class: 'box', title: `detector ${fmt(f.score, 2)}` });
      Object.assign(b.style, { left: f.x * sx + 'px', top: f.y * sy + 'px', width: f.width * sx + 'px', height: f.height * sy + 'px' });
      frame.append(b);
      // The face as the detector framed it, scaled to 112 px (the stored photo is the only source of pixels here).
      const k = 112 / Math.max(f.width, f.height);
      const c = el('span', { class: 'crop', title: 'face crop' });
      Object.assign(c.style, { backgroundImage: `url("${img.src}")`, backgroundSize: `${img.naturalWidth * k}px ${img.naturalHeight * k}px`, backgroundPosition: `${-f.x * k}px ${-f.y * k}px` });
      crops.append(c);
    }
  });
  return el('figure', {}, frame, crops);
}

async function reviewView(id) {
  const q = await api(`/sets/${id}/queue`);
  state.queue = q.items; state.index = 0;
  const header = el('h1', {}, 'Review ', el('a', { href: '#set/' + id }, 'set'));
  const status = el('p', {}, el('span', { id: 'decided-count' }, state.decided), ' decided this session · ', el('span', { id: 'queue-left' }, q.undecided), ' undecided');
  const keys = el('p', { class: 'keys' }, el('kbd', {}, 'c'), ' confirm duplicate · ', el('kbd', {}, 'n'), ' not a duplicate · ', el('kbd', {}, 's'), ' skip');
  const stage = el('div', { id: 'stage' });
  show(header, status, keys, stage);
  const render = () => {
    const item = state.queue[state.index];
    if (!item) { stage.replaceChildren(el('p', { id: 'queue-empty' }, 'Nothing left to review here.')); return; }
    const f = item.finding;
    stage.replaceChildren(el('div', { id: 'review-pair', dataset: { findingId: f.id } },
      el('p', { class: 'scores' }, 'confidence ', el('strong', { id: 'confidence' }, fmt(f.confidence)), ' · score ', fmt(f.score)),
      el('div', { class: 'pair' },
        el('div', {}, el('p', {}, f.first.reference_id, ' ', el('code', {}, f.first.key)), photo(f.id, 1, item.first_faces)),
        el('div', {}, el('p', {}, f.second.reference_id, ' ', el('code', {}, f.second.key)), photo(f.id, 2, item.second_faces)))));
  };
  let busy = false;
  const decide = async decision => {
    const item = state.queue[state.index];
    if (!item || busy) return;
    busy = true;
    try {
      if (decision) {
        await api(`/findings/${item.finding.id}/decision`, { method: 'POST', body: { decision } });
        state.decided++;
        document.getElementById('decided-count').textContent = state.decided;
      }
      state.index++;
      render();
    } catch (e) {
      stage.prepend(el('p', { class: 'error' }, e.message));
    } finally {
      busy = false;
    }
  };
  state.keyHandler = e => {
    if (e.target instanceof HTMLInputElement || e.ctrlKey || e.metaKey || e.altKey) return;
    const action = { c: 'confirmed', n: 'not_duplicate', s: null }[e.key];
    if (action !== undefined) { e.preventDefault(); decide(action); }
  };
  document.addEventListener('keydown', state.keyHandler);
  render();
}

async function exploreView(id) {
  const threshold = el('input', { type: 'number', id: 'threshold', min: '0', max: '1', step: '0.01' });
  const result = el('div', { id: 'explore-result' });
  const load = async value => {
    const x = await api(`/sets/${id}/explore` + (value === undefined ? '' : `?threshold=${encodeURIComponent(value)}`));
    if (value === undefined) threshold.value = x.threshold;
    const max = Math.max(1, ...x.histogram.map(b => b.count));
    const bars = x.histogram.map(b => {
      const bar = el('div', { class: b.from >= x.threshold - 1e-9 ? 'kept' : '', title: `${fmt(b.from, 2)}–${fmt(b.to, 2)}: ${b.count}` });
      bar.style.height = (100 * b.count / max) + '%';
      return bar;
    });
    const list = (items, name) => el('ul', { id: name }, items.map(f => el('li', {}, `${f.first.reference_id} ↔ ${f.second.reference_id} (${fmt(f.confidence)})`)));
    result.replaceChildren(
      el('p', {}, el('strong', { id: 'kept-count' }, x.kept), ` of ${x.pairs} stored pairs at ${fmt(x.threshold, 2)} (the set's threshold ${fmt(x.current_threshold, 2)} keeps ${x.kept_at_current})`),
      el('div', { class: 'histogram', id: 'histogram' }, bars),
      el('p', { class: 'muted' }, 'Confidence 0 to 1; darker bins are kept. Pairs below the threshold the set was processed with were never stored.'),
      el('div', { class: 'cols' },
        el('div', {}, el('h3', {}, `Would appear (${x.appear_count})`), list(x.appear, 'appear')),
        el('div', {}, el('h3', {}, `Would disappear (${x.disappear_count})`), list(x.disappear, 'disappear'))));
  };
  threshold.addEventListener('change', () => load(threshold.value).catch(failure));
  show(el('h1', {}, 'Threshold explorer ', el('a', { href: '#set/' + id }, 'set')), el('label', {}, 'Threshold (confidence) ', threshold), result);
  await load();
}

async function tokensView() {
  const tokens = await api('/tokens');
  const secret = el('div', { id: 'new-token' });
  const name = el('input', { id: 'token-name', placeholder: 'name' });
  const scope = el('select', { id: 'token-scope' }, ['read', 'write', 'admin'].map(s => el('option', { value: s }, s)));
  const create = el('button', { id: 'create-token', onclick: async () => {
    const issued = await api('/tokens', { method: 'POST', body: { name: name.value, scope: scope.value } });
    await tokensView();
    document.getElementById('new-token').replaceChildren(el('p', { class: 'secret' }, 'New token (shown once): ', el('code', { id: 'token-secret' }, issued.token)));
  } }, 'Create token');
  const rows = tokens.map(t => el('tr', { dataset: { tokenId: t.id } },
    el('td', {}, t.id), el('td', {}, t.name), el('td', {}, el('code', {}, t.prefix + '…')), el('td', {}, t.scope),
    el('td', { class: 'token-state' }, t.revoked_at ? 'revoked ' + when(t.revoked_at) : 'live'), el('td', {}, when(t.last_used_at)),
    el('td', {}, t.revoked_at ? '' : el('button', { class: 'revoke', onclick: async () => { await api(`/tokens/${t.id}/revoke`, { method: 'POST' }); tokensView(); } }, 'Revoke'))));
  show(el('h1', {}, 'API tokens'), secret, el('p', {}, name, ' ', scope, ' ', create),
    el('table', { id: 'tokens' }, el('tr', {}, ['Id', 'Name', 'Prefix', 'Scope', 'State', 'Last used', ''].map(h => el('th', {}, h))), rows));
}

async function groupsView() {
  const [groups, x] = await Promise.all([api('/groups'), api('/models')]);
  const rows = groups.map(g => {
    const input = el('input', { type: 'number', min: '0', max: '1', step: '0.01', value: g.settings.duplicate_confidence_threshold });
    const profile = el('select', { class: 'group-profile' }, el('option', { value: '' }, 'active profile'),
      x.profiles.map(p => el('option', { value: p.name }, p.name)));
    profile.value = g.settings.model_profile || '';
    const accept = el('input', { type: 'checkbox', class: 'group-accept-licence' });
    const error = el('span', { class: 'error group-error' });
    const save = el('button', { class: 'save-group', onclick: async () => {
      try {
        await api(`/groups/${encodeURIComponent(g.name)}/settings`, { method: 'POST', body: {
          duplicate_confidence_threshold: Number(input.value), model_profile: profile.value || null, accept_licence: accept.checked } });
        groupsView();
      } catch (e) {
        error.textContent = e.message;
      }
    } }, 'Save');
    return el('tr', { dataset: { group: g.name } }, el('td', {}, g.name), el('td', {}, input),
      el('td', {}, profile, ' ', el('label', {}, accept, ' accept licence risk')), el('td', {}, save, ' ', error),
      el('td', {}, el('code', { class: 'group-settings' }, JSON.stringify(g.settings))), el('td', {}, when(g.updated_at)));
  });
  show(el('h1', {}, 'Groups'), el('p', { class: 'muted' }, 'Settings, the model profile included, are snapshotted into each new set; open sets keep theirs. A profile whose weights\' licence is unclear needs the risk accepted.'),
    el('table', { id: 'groups' }, el('tr', {}, ['Group', 'Duplicate threshold', 'Model profile', '', 'Settings', 'Updated'].map(h => el('th', {}, h))), rows));
}

async function modelsView() {
  const [x, log] = await Promise.all([api('/models'), api('/models/log')]);
  const notice = el('div', { id: 'publish-result' });
  const publish = m => el('button', { class: 'publish', dataset: { model: m.name }, onclick: async e => {
    e.target.disabled = true;
    try {
      const p = await api(`/models/${encodeURIComponent(m.name)}/publish`, { method: 'POST' });
      await modelsView();
      document.getElementById('publish-result').replaceChildren(el('p', { class: 'secret' }, `${m.name} published as version `, el('code', {}, p.version)));
    } catch (error) {
      e.target.disabled = false;
      notice.replaceChildren(el('p', { class: 'error' }, error.message));
    }
  } }, 'Publish');
  const published = p => p ? el('span', { class: 'published' }, el('code', {}, p.version), ` by ${p.published_by || '?'} ${when(p.published_at)}`) : '–';
  show(el('h1', {}, 'Models'),
    el('p', { class: 'muted', id: 'models-container' }, x.container
      ? ['Models container ', el('code', {}, x.container), '. Publishing puts the installed, checksum-verified files there; processes started with --models-container download and verify them at their next start, and re-embed stored vectors of the old version instead of mixing them.']
      : 'No models container: start doppel serve with --models-container to publish from this page.'),
    notice,
    el('table', { id: 'models' }, el('tr', {}, ['Name', 'Task', 'Installed', 'Default', 'Licence', 'Risk note', 'sha256', 'Published', ''].map(h => el('th', {}, h))),
      x.models.map(m => el('tr', { dataset: { model: m.name } }, el('td', {}, m.name), el('td', {}, m.task), el('td', {}, m.installed ? 'yes' : 'no'), el('td', {}, m.is_default ? 'yes' : ''),
        el('td', {}, m.licence), el('td', {}, m.risk_note), el('td', {}, el('code', {}, m.sha256 || '–')), el('td', { class: 'model-published' }, published(m.published)),
        el('td', {}, x.can_publish && m.installed ? publish(m) : '')))),
    el('h2', {}, 'Profiles'),
    el('p', { class: 'muted' }, 'New sets of groups that name no profile run ', el('code', { id: 'running-model' }, x.running),
      '. Activating a profile selects it in the model cache: this service opens the next such set with it, without a restart (a set keeps the profile it was opened with to the end); workers take it at their next start. Its vectors carry another version, and stored ones are re-embedded, never compared with them.'),
    el('table', { id: 'profiles' }, el('tr', {}, ['Profile', 'Recogniser', 'Licence risk', 'Installed', 'Selected', ''].map(h => el('th', {}, h))),
      x.profiles.map(p => {
        const accept = p.needs_acceptance.length ? el('input', { type: 'checkbox', class: 'accept-licence' }) : null;
        const activate = el('button', { class: 'activate', onclick: async e => {
          e.target.disabled = true;
          try {
            await api(`/models/profiles/${encodeURIComponent(p.name)}/activate`, { method: 'POST', body: { accept_licence: !!(accept && accept.checked) } });
            await modelsView();
          } catch (error) {
            e.target.disabled = false;
            notice.replaceChildren(el('p', { class: 'error', id: 'activate-error' }, error.message));
          }
        } }, 'Activate');
        return el('tr', { dataset: { profile: p.name } }, el('td', {}, p.name), el('td', {}, el('code', {}, p.embedder)),
          el('td', {}, p.needs_acceptance.map(m => `${m.name}: ${m.licence}. ${m.risk_note}`).join(' ') || 'none'),
          el('td', {}, p.missing.length ? 'missing ' + p.missing.join(', ') : 'yes'), el('td', { class: 'selected' }, p.selected ? 'selected' : ''),
          el('td', {}, x.can_activate && !p.selected && !p.missing.length ? [accept ? el('label', {}, accept, ' accept the licence risk ') : '', activate] : ''));
      })),
    el('h2', {}, 'Log'),
    log.length ? el('table', { id: 'models-log' }, el('tr', {}, ['When', 'Action', 'Model or profile', 'Version', 'By', 'Outcome'].map(h => el('th', {}, h))),
      log.map(r => el('tr', {}, el('td', {}, when(r.at)), el('td', {}, r.kind), el('td', {}, r.details.model || r.details.profile), el('td', {}, el('code', {}, r.details.version || '–')), el('td', {}, r.details.by),
        el('td', {}, r.state === 'completed' ? 'published' : el('span', { class: 'error' }, r.error)))))
      : el('p', { class: 'muted' }, 'Nothing published or activated from this service yet.'));
}

async function jobsView() {
  const x = await api('/jobs');
  const admin = state.me.role === 'admin';
  const progress = r => r ? `${r.processed}/${r.total} (${r.state})` : '–';
  const retry = s => el('button', { class: 'retry', onclick: async e => {
    e.target.disabled = true;
    try { await api(`/sets/${s.id}/retry`, { method: 'POST' }); await jobsView(); } catch (error) { e.target.disabled = false; failure(error); }
  } }, 'Retry');
  show(el('h1', {}, 'Jobs'),
    x.dashboard ? el('p', {}, el('a', { href: x.dashboard, id: 'hangfire-link' }, 'Hangfire dashboard'), ' (the workers\' queues, chunks and their retries)') : '',
    el('h2', {}, 'Sets'),
    x.sets.length ? el('table', { id: 'job-sets' }, el('tr', {}, ['Group', 'State', 'Progress', 'Error', 'Updated', ''].map(h => el('th', {}, h))),
      x.sets.map(s => el('tr', { dataset: { setId: s.id } }, el('td', {}, el('a', { href: '#set/' + s.id }, s.group)), el('td', { class: 'state' }, s.state),
        el('td', {}, progress(s.run)), el('td', { class: 'set-error' }, s.error || ''), el('td', {}, when(s.updated_at)),
        el('td', {}, admin && s.state === 'Failed' ? retry(s) : ''))))
      : el('p', { class: 'muted' }, 'No sets in this tenant yet.'),
    el('h2', {}, 'Runs'),
    x.runs.length ? el('table', { id: 'job-runs' }, el('tr', {}, ['Id', 'Kind', 'State', 'Progress', 'Started', 'Finished', 'Error'].map(h => el('th', {}, h))),
      x.runs.map(r => el('tr', {}, el('td', {}, r.id), el('td', {}, r.kind), el('td', {}, r.state), el('td', {}, `${r.processed}/${r.total}`),
        el('td', {}, when(r.started_at)), el('td', {}, when(r.finished_at)), el('td', { class: 'error' }, r.error || ''))))
      : el('p', { class: 'muted' }, 'No runs in this tenant yet.'));
}

// A face as a 112 px crop of its photo (CSS background of the whole image: the photo is the only source of pixels).
function faceThumb(face) {
  const src = `/admin/api/faces/${face.id}/photo?tenant=${state.tenant}`;
  const crop = el('span', { class: 'crop', title: 'face ' + face.id, dataset: { faceId: face.id } });
  const img = new Image();
  img.addEventListener('load', () => {
    const b = face.box, k = 112 / Math.max(b.width, b.height, 1);
    Object.assign(crop.style, { backgroundImage: `url("${src}")`, backgroundSize: `${img.naturalWidth * k}px ${img.naturalHeight * k}px`, backgroundPosition: `${-b.x * k}px ${-b.y * k}px` });
    crop.dataset.loaded = 'true';
  });
  img.src = src;
  return crop;
}

async function personsView() {
  const persons = await api('/persons');
  const rows = persons.map(p => el('tr', { dataset: { personId: p.id } },
    el('td', {}, p.face ? faceThumb(p.face) : ''),
    el('td', {}, el('a', { href: '#person/' + p.id }, p.name || `person ${p.id}`)),
    el('td', { class: 'faces' }, p.faces)));
  show(el('h1', {}, 'Persons'),
    el('p', { class: 'muted' }, 'Faces of processed sets grouped by identity (POST /api/v1/persons/recognize). Open a person to split faces off or merge another person into it; both are kept by every later recognise.'),
    persons.length ? el('table', { id: 'persons' }, el('tr', {}, ['', 'Person', 'Faces'].map(h => el('th', {}, h))), rows)
      : el('p', { class: 'muted' }, 'No persons in this tenant yet.'));
}

async function personView(id) {
  const [p, all] = await Promise.all([api('/persons/' + id), api('/persons')]);
  const faces = p.faces.map(f => el('label', { class: 'face' }, el('input', { type: 'checkbox', value: f.id, class: 'face-pick' }), faceThumb(f)));
  const name = el('input', { id: 'split-name', placeholder: 'name of the new person' });
  const split = el('button', { id: 'split', onclick: async () => {
    const picked = [...document.querySelectorAll('.face-pick:checked')].map(x => Number(x.value));
    if (!picked.length) return;
    try {
      const created = await api(`/persons/${id}/split`, { method: 'POST', body: { faces: picked, name: name.value || null } });
      location.hash = '#person/' + created.id;
    } catch (e) { failure(e); }
  } }, 'Split selected faces off');
  const others = all.filter(o => o.id !== p.id);
  const from = el('select', { id: 'merge-from' }, others.map(o => el('option', { value: o.id }, `${o.name || 'person ' + o.id} (${o.faces})`)));
  const merge = el('button', { id: 'merge', onclick: async () => {
    try {
      await api(`/persons/${id}/merge`, { method: 'POST', body: { person: Number(from.value) } });
      await route();
    } catch (e) { failure(e); }
  } }, 'Merge into this person');
  show(el('h1', {}, el('a', { href: '#persons' }, 'Persons'), ' / ', el('span', { id: 'person-name' }, p.name || `person ${p.id}`)),
    el('p', {}, el('span', { id: 'person-faces' }, p.face_count), ' faces'),
    el('div', { class: 'faces', id: 'person-face-list' }, faces),
    el('p', {}, name, ' ', split),
    others.length ? el('p', {}, from, ' ', merge) : '');
}

// Views load asynchronously: when a navigation happens while another view is still loading, the one that
// finishes last would win the screen. After a view renders, a hash that moved on meanwhile is routed again,
// so the screen always ends on the view the address names.
async function route() {
  const hash = location.hash;
  await renderView(hash);
  if (location.hash !== hash) await route();
}

async function renderView(hash) {
  const [name, id] = hash.slice(1).split('/');
  try {
    switch (name) {
      case 'set': return await setView(id);
      case 'review': return await reviewView(id);
      case 'explore': return await exploreView(id);
      case 'tokens': return await tokensView();
      case 'groups': return await groupsView();
      case 'models': return await modelsView();
      case 'jobs': return await jobsView();
      case 'persons': return await personsView();
      case 'person': return await personView(id);
      default: return await setsView();
    }
  } catch (e) {
    failure(e);
  }
}

async function start() {
  const me = await api('/me');
  state.me = me; state.csrf = me.csrf;
  document.getElementById('who').textContent = `${me.name} (${me.role})`;
  document.getElementById('logout-token').value = me.csrf;
  if (me.role !== 'admin') document.querySelectorAll('.admin-only').forEach(a => a.remove());
  const tenants = await api('/tenants');
  const select = document.getElementById('tenant');
  select.replaceChildren(...tenants.map(t => el('option', { value: t.id }, t.name)));
  state.tenant = localStorage.getItem('doppel.tenant') || (tenants[0] && tenants[0].id) || '';
  if (!tenants.some(t => String(t.id) === String(state.tenant)) && tenants[0]) state.tenant = tenants[0].id;
  select.value = state.tenant;
  select.addEventListener('change', () => { state.tenant = select.value; localStorage.setItem('doppel.tenant', state.tenant); location.hash = '#sets'; route(); });
  window.addEventListener('hashchange', route);
  document.body.dataset.ready = 'true';
  await route();
}

start().catch(failure);
