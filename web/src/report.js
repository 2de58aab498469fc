// The field report page (灾情直报) for information officers on a phone: where (the device's
// position or a point picked on a small map), what (type, grade, text, figures), and the
// officer's outbox showing which reports are still on the device and which the server has.
import { api, listOf } from './api.js';
import { t, lang, setLang, onLangChange, translate } from './i18n.js';
import { formatTime } from './time.js';
import { OneMap } from './map.js';
import { Outbox, OUTCOME, newKey } from './outbox.js';
import { photosSupported, keepPhotos } from './photos.js';
import { INCIDENT_TYPES, FIGURES, SEVERITIES } from './incident-vocabulary.js';
import { scopeLabel } from './scope.js';
import { forgetOfficer } from './officer.js';
import { emptyItem } from './feed.js';

/** The server's limit (yingji-incidents MAX_PHOTOS_PER_REPORT). */
const MAX_PHOTOS = 6;

const TEMPLATE = `
<header class="topbar">
  <div class="brand"><span class="logo">应</span><div><strong data-i18n="report.title"></strong><small data-i18n="app.subtitle"></small></div></div>
  <div class="who"><span id="who-user"></span><span id="who-scope"></span><span id="net-status"></span></div>
  <div class="actions"><a class="link" href="/app" data-i18n="report.toMap"></a><button id="lang" class="link"></button><button id="logout" class="link" data-i18n="app.logout"></button></div>
</header>
<main class="report-page">
  <form id="report-form" class="report-form" novalidate>
    <section>
      <h2 data-i18n="report.where"></h2>
      <button type="button" id="use-location" class="primary" data-i18n="report.useLocation"></button>
      <p id="location-text" class="hint" data-i18n="report.pickHint"></p>
      <div id="pick-map" class="pick-map"></div>
    </section>
    <section>
      <h2 data-i18n="report.what"></h2>
      <label><span data-i18n="report.type"></span><select name="type" required></select></label>
      <label><span data-i18n="report.severity"></span><select name="severity"></select></label>
      <label><span data-i18n="report.titleField"></span><input name="title" maxlength="200" data-i18n-placeholder="report.titlePlaceholder"></label>
      <label><span data-i18n="report.text"></span><textarea name="text" rows="3" maxlength="4000"></textarea></label>
    </section>
    <section>
      <h2 data-i18n="report.figures"></h2>
      <div id="figure-inputs" class="figure-inputs"></div>
    </section>
    <section>
      <h2 data-i18n="report.photos"></h2>
      <input type="file" name="photos" accept="image/jpeg,image/png,image/webp" multiple disabled>
      <p class="hint" id="photos-note" data-i18n="report.photosUnsupported"></p>
    </section>
    <button type="submit" class="submit" data-i18n="report.submit"></button>
    <p id="report-message" class="message" role="status"></p>
  </form>
  <section class="outbox-section">
    <h2 data-i18n="report.outbox"></h2>
    <ul id="outbox" class="outbox"></ul>
  </section>
</main>`;

export async function startReport(root, me) {
  root.innerHTML = TEMPLATE;
  window.__yingji = { ready: false };
  const outbox = new Outbox(me.username);
  let location = null;
  let marker = null;

  const form = root.querySelector('#report-form');
  const message = (key, extra = '') => { root.querySelector('#report-message').textContent = key ? `${t(key)}${extra}` : ''; };

  function fillChoices() {
    const type = form.elements.type;
    const chosenType = type.value;
    type.replaceChildren(...INCIDENT_TYPES.map((tag) => new Option(t(`incidentType.${tag}`), tag)));
    type.value = chosenType || 'flood';
    const severity = form.elements.severity;
    const chosenSeverity = severity.value;
    severity.replaceChildren(...SEVERITIES.map((tag) => new Option(t(`severity.${tag}`), tag)));
    severity.value = chosenSeverity || 'IV';
    const figures = root.querySelector('#figure-inputs');
    if (!figures.children.length) {
      for (const figure of FIGURES) {
        const label = document.createElement('label');
        label.innerHTML = `<span data-i18n="figure.${figure}"></span><input type="number" min="0" step="1" inputmode="numeric" name="figure-${figure}">`;
        figures.append(label);
      }
    }
  }

  // --- where ---
  const map = new OneMap(root.querySelector('#pick-map'));
  for (const id of ['county', 'town_areas', 'towns']) await map.addBase(id);
  map.raiseBoundary();
  const bases = await Promise.all(['county', 'town_areas', 'towns'].map((id) => api(`/api/v1/collections/${id}/items`).catch(() => null)));
  ['county', 'town_areas', 'towns'].forEach((id, i) => map.setData(id, { type: 'FeatureCollection', features: listOf(bases[i], id) }));
  const towns = listOf(bases[2], 'towns');
  const townName = (p) => (lang() === 'en' ? p.name_en ?? p.name : p.name);
  map.relabelTowns(townName);
  const myTown = me.jurisdiction?.scope === 'town'
    ? listOf(bases[1], 'town_areas').filter((f) => String(f.properties?.code ?? f.id).startsWith(me.jurisdiction.town_code))
    : [];
  if (myTown.length) map.fitTo({ features: myTown }, { padding: 16 });

  function setLocation(lonLat, source) {
    location = lonLat.map((v) => Math.round(v * 1e6) / 1e6);
    if (marker) marker.remove();
    marker = map.marker(location, 'me-marker');
    const text = root.querySelector('#location-text');
    text.dataset.source = source;
    text.textContent = `${t(`report.from.${source}`)}: ${location[0].toFixed(5)}, ${location[1].toFixed(5)}`;
  }
  map.map.on('click', (event) => setLocation([event.lngLat.lng, event.lngLat.lat], 'map'));
  root.querySelector('#use-location').onclick = () => {
    if (!navigator.geolocation) return message('report.noGeolocation');
    message('report.locating');
    navigator.geolocation.getCurrentPosition(
      (position) => {
        message('');
        setLocation([position.coords.longitude, position.coords.latitude], 'device');
        map.map.easeTo({ center: location, zoom: 12, duration: 0 });
      },
      () => message('report.noGeolocation'),
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
    );
  };

  // --- what ---
  function readForm() {
    const figures = {};
    for (const figure of FIGURES) {
      const raw = form.elements[`figure-${figure}`].value.trim();
      if (raw !== '') figures[figure] = Number(raw);
    }
    const body = { type: form.elements.type.value, severity: form.elements.severity.value, location };
    const title = form.elements.title.value.trim();
    const text = form.elements.text.value.trim();
    if (title) body.title = title;
    if (text) body.text = text;
    if (Object.keys(figures).length) body.figures = figures;
    return body;
  }

  form.onsubmit = async (event) => {
    event.preventDefault();
    if (!location) return message('report.needLocation');
    const bad = FIGURES.find((f) => {
      const raw = form.elements[`figure-${f}`].value.trim();
      return raw !== '' && !(Number.isInteger(Number(raw)) && Number(raw) >= 0);
    });
    if (bad) return message('report.badFigure', ` ${t(`figure.${bad}`)}`);
    const photos = form.elements.photos.disabled ? [] : [...form.elements.photos.files];
    if (photos.length > MAX_PHOTOS) return message('report.tooManyPhotos');
    const key = newKey();
    if (photos.length) await keepPhotos(key, photos);
    outbox.add(readForm(), { key, photos: photos.length });
    form.reset();
    fillChoices();
    message(navigator.onLine ? 'report.sending' : 'report.savedOffline');
    await outbox.flush();
    const [latest] = outbox.entries();
    if (latest?.status === OUTCOME.received) message('report.received');
    else if (latest?.signed_out) message('report.signInAgain');
    else if (latest?.status === OUTCOME.pending) message('report.savedOffline');
  };

  // --- outbox ---
  function renderOutbox() {
    const list = root.querySelector('#outbox');
    const entries = outbox.entries();
    if (!entries.length) return list.replaceChildren(emptyItem('report.outboxEmpty'));
    list.replaceChildren(...entries.map((entry) => {
      const li = document.createElement('li');
      li.className = `outbox-entry ${entry.status}`;
      li.dataset.key = entry.key;
      li.dataset.status = entry.status;
      li.innerHTML = '<div><strong></strong> <span class="state"></span></div><div class="meta"></div>';
      li.querySelector('strong').textContent = entry.body.title ?? t(`incidentType.${entry.body.type}`);
      if (entry.photos) li.querySelector('strong').append(` · ${entry.photos} ${t('report.photoCount')}`);
      li.querySelector('.state').textContent = t(`report.status.${entry.status}`);
      const when = entry.status === OUTCOME.received ? entry.received_at : entry.created_at;
      li.querySelector('.meta').textContent = [
        formatTime(when, lang()),
        entry.error,
        entry.status === OUTCOME.pending && entry.attempts ? `${t('report.attempts')} ${entry.attempts}` : null,
        entry.incident_id,
      ].filter(Boolean).join(' · ');
      return li;
    }));
  }

  function renderNet() {
    const status = root.querySelector('#net-status');
    status.textContent = navigator.onLine ? `● ${t('report.online')}` : t('report.offline');
    status.className = navigator.onLine ? 'live' : 'live down';
  }

  function renderAll() {
    translate(root);
    fillChoices();
    root.querySelector('#lang').textContent = t('app.language');
    root.querySelector('#who-user').textContent = `${t('app.user')}: ${me.username}`;
    root.querySelector('#who-scope').textContent = `${t('app.jurisdiction')}: ${scopeLabel(me, towns, townName)}`;
    renderOutbox();
    renderNet();
    map.relabelTowns(townName);
  }

  outbox.onChange(renderOutbox);
  window.addEventListener('online', renderNet);
  window.addEventListener('offline', renderNet);
  root.querySelector('#lang').onclick = () => setLang(lang() === 'en' ? 'zh-CN' : 'en');
  root.querySelector('#logout').onclick = async () => {
    forgetOfficer();
    await api('/api/v1/auth/logout', { method: 'POST' }).catch(() => {});
    window.location.assign('/login');
  };
  onLangChange(renderAll);
  renderAll();
  if (await photosSupported()) {
    form.elements.photos.disabled = false;
    root.querySelector('#photos-note').dataset.i18n = 'report.photosKept';
    translate(root);
  }
  await map.idle();
  outbox.start();
  const offlineReady = keepForOffline();
  Object.assign(window.__yingji, { ready: true, readyAt: performance.now(), map: map.map, outbox, setLocation, offlineReady });
}

/** Registers the page's service worker (dist/sw.js, made by the build), so the page opens
 *  next time even with no network. Resolves to whether a worker is active. Service workers
 *  need a secure context (https, or localhost); elsewhere, and in `npm run dev`, the page
 *  still works online and its outbox still keeps reports. */
async function keepForOffline() {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return false;
  try {
    await navigator.serviceWorker.register('/sw.js', { scope: '/app/report' });
    const registration = await navigator.serviceWorker.ready;
    return Boolean(registration.active);
  } catch {
    return false;
  }
}
