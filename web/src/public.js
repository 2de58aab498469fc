// The public page (no sign-in): current public warnings and the nearest open shelter from
// the visitor's position (browser geolocation or a click on the map), with a road route
// when the routing API answers, otherwise a straight line that says so.
import { optional, listOf, emptyCollection } from './api.js';
import { t, tValue, lang, setLang, onLangChange, translate } from './i18n.js';
import { formatTime } from './time.js';
import { OneMap } from './map.js';
import { BASE_LAYERS, POINT_LAYERS, LEVEL_COLOURS } from './layers.js';
import { normalise } from './warnings.js';
import { details } from './popup.js';
import { subscribe } from './live.js';
import { emptyItem } from './feed.js';

const TEMPLATE = `
<header class="topbar">
  <div class="brand"><span class="logo">应</span><div><strong data-i18n="public.title"></strong><small data-i18n="app.subtitle"></small></div></div>
  <div class="who"></div>
  <div class="actions"><button id="lang" class="link"></button><a href="/login" class="link" style="color:#fff" data-i18n="public.login"></a></div>
</header>
<main class="layout public">
  <div id="map" class="map"></div>
  <aside class="console">
    <section><h2 data-i18n="public.warnings"></h2><ul id="public-warnings" class="feed"></ul></section>
    <section><h2 data-i18n="public.shelter"></h2>
      <button class="locate" id="locate" data-i18n="public.locate"></button> <small data-i18n="public.clickHint"></small>
      <div id="nearest"></div></section>
  </aside>
</main>`;

const EARTH_KM = 6371.0088;
/** Great-circle distance in km between [lon, lat] points. */
export function haversineKm([lon1, lat1], [lon2, lat2]) {
  const rad = Math.PI / 180;
  const a = Math.sin(((lat2 - lat1) * rad) / 2) ** 2
    + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(((lon2 - lon1) * rad) / 2) ** 2;
  return 2 * EARTH_KM * Math.asin(Math.sqrt(a));
}

const SEVERITY_LEVEL = { Extreme: 'red', Severe: 'orange', Moderate: 'yellow', Minor: 'blue' };
const CAP_COLOUR_LEVEL = { 红色: 'red', 橙色: 'orange', 黄色: 'yellow', 蓝色: 'blue', red: 'red', orange: 'orange', yellow: 'yellow', blue: 'blue' };
const text = (node, tag) => node.getElementsByTagNameNS('*', tag)[0]?.textContent?.trim() ?? null;

/** Level, area and place of one published CAP 1.2 message (the public document). */
export function readCap(xml, townPoint) {
  const doc = new DOMParser().parseFromString(xml, 'application/xml');
  const info = doc.getElementsByTagNameNS('*', 'info')[0];
  if (!info) return {};
  const headline = text(info, 'headline') ?? '';
  const colour = Object.keys(CAP_COLOUR_LEVEL).find((c) => headline.includes(c) || (text(info, 'event') ?? '').includes(c));
  const level = colour ? CAP_COLOUR_LEVEL[colour] : SEVERITY_LEVEL[text(info, 'severity')] ?? '';
  const area = info.getElementsByTagNameNS('*', 'area')[0];
  let geometry = null;
  if (area) {
    const codes = [...area.getElementsByTagNameNS('*', 'geocode')].map((g) => text(g, 'value'));
    // NBS codes may be padded to 12 digits (120119100000): a town is its first 9.
    const town = codes.map((code) => townPoint(code) ?? townPoint(code?.slice(0, 9))).find(Boolean);
    const polygon = text(area, 'polygon');
    const circle = text(area, 'circle');
    if (town) geometry = town.geometry;
    else if (polygon) {
      // CAP writes "lat,lon lat,lon …"; the vertex mean is a fair place for a marker.
      const points = polygon.split(/\s+/).map((pair) => pair.split(',').map(Number)).filter((p) => p.length === 2);
      const lat = points.reduce((sum, p) => sum + p[0], 0) / points.length;
      const lon = points.reduce((sum, p) => sum + p[1], 0) / points.length;
      if (Number.isFinite(lat) && Number.isFinite(lon)) geometry = { type: 'Point', coordinates: [lon, lat] };
    } else if (circle) {
      const [lat, lon] = circle.split(/[ ,]/).map(Number);
      if (Number.isFinite(lat) && Number.isFinite(lon)) geometry = { type: 'Point', coordinates: [lon, lat] };
    }
  }
  return { level, geometry, area: area ? text(area, 'areaDesc') : null, description: text(info, 'description') };
}

/** The warnings in force, from the public CAP Atom feed and each entry's CAP document. */
async function publicWarnings(townPoint) {
  const response = await fetch('/cap/feed.atom').catch(() => null);
  if (!response || !response.ok) return [];
  const feed = new DOMParser().parseFromString(await response.text(), 'application/xml');
  const entries = [...feed.getElementsByTagNameNS('*', 'entry')]
    .filter((entry) => entry.getElementsByTagNameNS('*', 'category')[0]?.getAttribute('term') !== 'Cancel');
  return Promise.all(entries.map(async (entry) => {
    const href = entry.getElementsByTagNameNS('*', 'link')[0]?.getAttribute('href');
    const cap = href ? await fetch(new URL(href, location.href).pathname).then((r) => (r.ok ? r.text() : '')).catch(() => '') : '';
    return normalise({
      id: text(entry, 'id'),
      title: text(entry, 'title'),
      raised_at: text(entry, 'updated'),
      ...(cap ? readCap(cap, townPoint) : {}),
    });
  }));
}

/** The routing API's answer (`status: found` with `feature`, a GeoJSON line), or null. */
function routeGeometry(body) {
  if (!body || (body.status && body.status !== 'found')) return null;
  const found = body.feature ?? body;
  const feature = found.type === 'FeatureCollection' ? found.features?.[0] : found;
  const geometry = feature?.geometry ?? null;
  if (!geometry || !['LineString', 'MultiLineString'].includes(geometry.type)) return null;
  const seconds = body.travel_time_s ?? feature.properties?.travel_time_s ?? null;
  const metres = body.distance_m ?? feature.properties?.distance_m ?? null;
  return { geometry, minutes: seconds ? Math.round(seconds / 60) : null, km: metres ? metres / 1000 : null };
}

export async function startPublic(root) {
  root.innerHTML = TEMPLATE;
  const onemap = new OneMap(root.querySelector('#map'));
  window.__yingji = { ready: false, map: onemap.map };
  const shelterLayer = POINT_LAYERS.find((l) => l.id === 'shelters');
  const warningLayer = POINT_LAYERS.find((l) => l.id === 'warnings');
  const base = BASE_LAYERS.filter((l) => l.id !== 'villages');
  for (const layer of base) await onemap.addBase(layer.id);
  await onemap.addPoints(warningLayer);
  await onemap.addPoints(shelterLayer);
  onemap.map.addSource('route', { type: 'geojson', data: emptyCollection() });
  onemap.map.addLayer({ id: 'route-line', type: 'line', source: 'route',
    paint: { 'line-color': '#1e88e5', 'line-width': 4, 'line-dasharray': ['case', ['get', 'straight'], ['literal', [2, 2]], ['literal', [1, 0]]] } });
  onemap.raiseBoundary();

  const data = {};
  const townName = (p) => (lang() === 'en' ? p.name_en ?? p.name : p.name);
  await Promise.all([...base, shelterLayer].map(async (layer) => {
    const body = await optional(layer.url).catch(() => null);
    data[layer.id] = { type: 'FeatureCollection', features: listOf(body, layer.id) };
    onemap.setData(layer.id, data[layer.id]);
  }));
  onemap.relabelTowns(townName);
  const townPoint = (code) => code && (data.towns?.features ?? []).find((f) => f.id === code);
  let warnings = [];
  // Reloads can overlap (two release events in a row): only the latest one is drawn.
  let loads = 0;
  async function loadWarnings() {
    const mine = ++loads;
    const loaded = await publicWarnings(townPoint);
    if (mine !== loads) return;
    warnings = loaded;
    onemap.setData('warnings', { type: 'FeatureCollection', features: warnings.filter((w) => w.geometry).map((w) => ({ type: 'Feature', id: w.id, geometry: w.geometry, properties: { ...w, geometry: undefined } })) });
    renderWarnings();
  }
  await loadWarnings();

  let me = null;
  let meMarker = null;
  let lastNearest = null;

  function renderWarnings() {
    const list = root.querySelector('#public-warnings');
    list.replaceChildren();
    if (warnings.length === 0) list.append(emptyItem('public.noWarnings'));
    for (const w of warnings) {
      const li = document.createElement('li');
      li.className = `warning level-${w.level}`;
      li.style.borderLeftColor = LEVEL_COLOURS[w.level] ?? '#9e9e9e';
      li.innerHTML = '<div class="warning-head"><span class="level"></span> <strong></strong></div><div class="meta"></div>';
      li.querySelector('.level').textContent = w.level ? tValue(w.level) : '';
      li.querySelector('strong').textContent = w.title;
      li.querySelector('.meta').textContent = [w.area, w.raised_at ? formatTime(w.raised_at, lang()) : ''].filter(Boolean).join(' · ');
      list.append(li);
    }
  }

  async function nearestFrom(position) {
    me = position;
    if (meMarker) meMarker.remove();
    meMarker = onemap.marker(position, 'me-marker');
    const open = (data.shelters?.features ?? []).filter((f) => f.properties?.open !== false && f.geometry?.type === 'Point');
    const box = root.querySelector('#nearest');
    if (open.length === 0) {
      box.textContent = t('public.noShelter');
      return;
    }
    const nearest = open
      .map((f) => ({ feature: f, km: haversineKm(position, f.geometry.coordinates) }))
      .sort((a, b) => a.km - b.km)[0];
    const to = nearest.feature.geometry.coordinates;
    const query = `from=${position[0]},${position[1]}&to=${to[0]},${to[1]}`;
    const routed = routeGeometry(await optional(`/api/v1/routing/route?${query}`).catch(() => null));
    const geometry = routed?.geometry ?? { type: 'LineString', coordinates: [position, to] };
    onemap.map.getSource('route').setData({ type: 'Feature', geometry, properties: { straight: !routed } });
    lastNearest = { nearest, routed };
    renderNearest();
    onemap.fitTo({ features: [{ geometry }] }, { padding: 100, maxZoom: 12 });
  }

  function renderNearest() {
    if (!lastNearest) return;
    const { nearest, routed } = lastNearest;
    const p = nearest.feature.properties;
    const box = root.querySelector('#nearest');
    box.innerHTML = '<p><strong></strong></p><p class="info"></p><p class="route-kind"></p>';
    box.querySelector('strong').textContent = p.name;
    const km = routed?.km ?? nearest.km;
    box.querySelector('.info').textContent = `${t('public.distance')} ${km.toFixed(1)} km`
      + (routed?.minutes ? ` · ${routed.minutes} ${t('public.minutes')}` : '')
      + ` · ${t('prop.capacity')} ${p.capacity ?? '—'}`;
    const kind = box.querySelector('.route-kind');
    kind.textContent = routed ? t('public.road') : t('public.straight');
    kind.dataset.kind = routed ? 'road' : 'straight';
  }

  function renderAll() {
    translate(root);
    root.querySelector('#lang').textContent = t('app.language');
    renderWarnings();
    renderNearest();
  }

  onemap.onFeatureClick((layerId, feature, lngLat) => {
    const original = data[layerId]?.features.find((f) => String(f.id) === String(feature.id));
    onemap.popup(lngLat, details(layerId, original?.properties ?? feature.properties));
  });
  onemap.map.on('click', (event) => {
    const hits = onemap.map.queryRenderedFeatures(event.point, { layers: ['shelters-points', 'warnings-points'] });
    if (hits.length === 0) nearestFrom([event.lngLat.lng, event.lngLat.lat]);
  });
  root.querySelector('#locate').onclick = () => {
    root.querySelector('#nearest').textContent = t('public.locating');
    navigator.geolocation?.getCurrentPosition(
      (pos) => nearestFrom([pos.coords.longitude, pos.coords.latitude]),
      () => { root.querySelector('#nearest').textContent = t('public.clickHint'); },
      { timeout: 10000 },
    );
  };
  root.querySelector('#lang').onclick = () => setLang(lang() === 'en' ? 'zh-CN' : 'en');
  onLangChange(() => { renderAll(); onemap.relabelTowns(townName); });
  renderAll();
  await onemap.idle();
  window.__yingji.ready = true;
  window.__yingji.readyAt = performance.now();
  // A warning published or cancelled reaches this page without a reload. The feed is read
  // again rather than patched from the event: it alone says what is in force (an Update
  // supersedes, a Cancel withdraws, an expiry ends a warning with no event at all).
  subscribe({
    'public_warning.published': loadWarnings,
    'public_warning.cancelled': loadWarnings,
    resync: loadWarnings,
  }, (connected) => { root.querySelector('.who').dataset.live = String(connected); });
  window.__yingji.nearestFrom = nearestFrom;
  window.__yingji.me = () => me;
}
