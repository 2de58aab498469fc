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

async function publicWarnings() {
  const json = await optional('/api/v1/public-warnings?status=published').catch(() => null);
  if (json) return listOf(json, 'warnings').map(normalise);
  // Fall back to the CAP Atom feed: its entries are the published warnings.
  const response = await fetch('/cap/feed.atom').catch(() => null);
  if (!response || !response.ok) return [];
  const xml = new DOMParser().parseFromString(await response.text(), 'application/xml');
  return [...xml.getElementsByTagName('entry')].map((entry) => normalise({
    id: entry.getElementsByTagName('id')[0]?.textContent,
    title: entry.getElementsByTagName('title')[0]?.textContent,
    raised_at: entry.getElementsByTagName('updated')[0]?.textContent,
  }));
}

function routeGeometry(body) {
  if (!body) return null;
  const feature = body.type === 'Feature' ? body : body.features?.[0] ?? body.route ?? body;
  const geometry = feature.geometry ?? null;
  if (!geometry || geometry.type !== 'LineString') return null;
  const props = feature.properties ?? body;
  const seconds = props.duration_s ?? props.travel_time_s ?? (props.minutes ? props.minutes * 60 : null);
  return { geometry, minutes: seconds ? Math.round(seconds / 60) : null, km: props.distance_km ?? (props.distance_m ? props.distance_m / 1000 : null) };
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
  const warnings = await publicWarnings();
  onemap.setData('warnings', { type: 'FeatureCollection', features: warnings.filter((w) => w.geometry).map((w) => ({ type: 'Feature', id: w.id, geometry: w.geometry, properties: { ...w, geometry: undefined } })) });

  let me = null;
  let meMarker = null;
  let lastNearest = null;

  function renderWarnings() {
    const list = root.querySelector('#public-warnings');
    list.replaceChildren();
    if (warnings.length === 0) {
      const li = document.createElement('li');
      li.className = 'empty';
      li.textContent = t('public.noWarnings');
      list.append(li);
    }
    for (const w of warnings) {
      const li = document.createElement('li');
      li.className = `warning level-${w.level}`;
      li.style.borderLeftColor = LEVEL_COLOURS[w.level] ?? '#9e9e9e';
      li.innerHTML = '<div class="warning-head"><span class="level"></span> <strong></strong></div><div class="meta"></div>';
      li.querySelector('.level').textContent = w.level ? tValue(w.level) : '';
      li.querySelector('strong').textContent = w.title;
      li.querySelector('.meta').textContent = w.raised_at ? formatTime(w.raised_at, lang()) : '';
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
    onemap.fitTo({ features: [{ geometry }] });
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
  window.__yingji.nearestFrom = nearestFrom;
  window.__yingji.me = () => me;
}
