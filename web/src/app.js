// The duty officer's page: the one map with its layers, and the console beside it
// (warning feed with actions, layer panel with legends, live activity, who is signed in).
import { api, optional, emptyCollection, listOf, asFeatures } from './api.js';
import { t, tValue, lang, setLang, onLangChange, translate } from './i18n.js';
import { formatTime } from './time.js';
import { OneMap } from './map.js';
import { BASE_LAYERS, POINT_LAYERS, COLLECTION_OF_KIND, LEVEL_COLOURS, FIRST_LAYER_IDS } from './layers.js';
import { Warnings, ACTIONS } from './warnings.js';
import { subscribe } from './live.js';
import { details } from './popup.js';
import { IncidentConsole } from './incidents.js';
import { Analyses } from './analyses.js';
import { datastreamIndex, showSensorChart } from './chart.js';
import { scopeLabel, isTownScope } from './scope.js';
import { PublicWarnings } from './public-warnings.js';
import { DrillsPanel } from './drills.js';
import { markDrill } from './drill-badge.js';
import { forgetOfficer } from './officer.js';
import { emptyItem } from './feed.js';

const ALL_LAYERS = [...BASE_LAYERS, ...POINT_LAYERS];
/** Drawn first (their data was asked for by main.js while this code loaded); the other
 *  layers, feeds and lists load once the county is on screen. */
const FIRST_LAYERS = BASE_LAYERS.filter((layer) => FIRST_LAYER_IDS.includes(layer.id));
const LATER_LAYERS = ALL_LAYERS.filter((layer) => !FIRST_LAYERS.includes(layer));
const TEMPLATE = `
<header class="topbar">
  <div class="brand"><span class="logo">应</span><div><strong data-i18n="app.title"></strong><small data-i18n="app.subtitle"></small></div></div>
  <div class="who"><span id="who-user"></span><span id="who-scope"></span><span id="live-status" class="live"></span></div>
  <div class="actions"><a class="link" href="/app/report" data-i18n="report.title"></a><button id="lang" class="link"></button><button id="logout" class="link" data-i18n="app.logout"></button></div>
</header>
<main class="layout">
  <div id="map" class="map"></div>
  <aside id="console" class="console">
    <section id="incident-page" class="incident-page" hidden></section>
    <section><h2 data-i18n="console.warnings"></h2><ul id="warning-feed" class="feed"></ul></section>
    <section><h2><span data-i18n="console.incidents"></span> <small id="incidents-scope" class="scope"></small></h2><ul id="incident-list" class="feed incidents"></ul></section>
    <section id="chart-panel" class="chart-panel" hidden></section>
    <section><h2 data-i18n="console.publicWarnings"></h2><div id="public-warnings-panel"></div></section>
    <section><h2 data-i18n="console.drills"></h2><div id="drills-panel"></div></section>
    <section><h2 data-i18n="console.analyses"></h2><div id="analyses-panel"></div></section>
    <section><h2 data-i18n="console.layers"></h2><div id="layer-panel"></div></section>
    <section><h2 data-i18n="console.events"></h2><ul id="activity" class="activity"></ul></section>
  </aside>
</main>`;

export async function startApp(root, me) {
  root.innerHTML = TEMPLATE;
  const state = {
    data: {},          // layer id -> FeatureCollection as last loaded
    unavailable: new Set(),
    visible: Object.fromEntries(ALL_LAYERS.map((l) => [l.id, l.visible])),
    warnings: new Warnings(),
    faults: new Set(),
    lastObservation: new Map(),
    datastreams: new Map(),  // dataset record id -> {id, name, unit}
    datastreamRecord: new Map(), // numeric SensorThings id -> dataset record id
    rules: [],
  };
  const onemap = new OneMap(root.querySelector('#map'));
  window.__yingji = { ready: false, map: onemap.map };
  const firstAnswers = new Map(FIRST_LAYERS.map((layer) => [layer.id, fetchLayer(layer)]));

  for (const layer of BASE_LAYERS) await onemap.addBase(layer.id);
  for (const layer of [...POINT_LAYERS].reverse()) await onemap.addPoints(layer);
  onemap.raiseBoundary();
  // Hidden layers are hidden before any data arrives, so their data is never tiled for nothing.
  for (const layer of ALL_LAYERS) onemap.setVisible(layer.id, state.visible[layer.id]);

  const townName = (p) => (lang() === 'en' ? p.name_en ?? p.name : p.name);
  // Monitoring names a subject by its numeric SensorThings datastream (`datastream:12`, or 12
  // in an observation); the dataset names sensors and their datastreams by record id.
  const recordOf = (id) => {
    const numeric = typeof id === 'number' ? id : /^datastream:(\d+)$/.exec(String(id))?.[1];
    return numeric === undefined ? id : state.datastreamRecord.get(Number(numeric)) ?? id;
  };
  const sensorOf = (raw) => {
    const id = raw === null || raw === undefined ? null : recordOf(raw);
    return id && (state.data.sensors?.features ?? []).find((s) => s.id === id || String(id).startsWith(`${s.id}-`));
  };
  const townPoint = (code) => code && (state.data.towns?.features ?? []).find((f) => f.id === code);

  // --- data ---
  /** A layer's answer: its body, `null` when an optional endpoint is not there, or the error. */
  async function fetchLayer(layer) {
    try {
      return { body: layer.optional ? await optional(layer.url) : await api(layer.url) };
    } catch (error) {
      return { error };
    }
  }

  async function loadLayer(layer, answer = null) {
    if (!layer.url) return;
    const { body, error } = await (answer ?? fetchLayer(layer));
    if (error?.status === 401) return location.assign('/login');
    if (error || body === null) {
      state.unavailable.add(layer.id);
      state.data[layer.id] = emptyCollection();
    } else {
      state.unavailable.delete(layer.id);
      state.data[layer.id] = { type: 'FeatureCollection', features: asFeatures(listOf(body, layer.id)) };
    }
    if (layer.id === 'sensors') decorateSensors();
    else onemap.setData(layer.id, state.data[layer.id]);
    if (layer.id === 'towns') onemap.relabelTowns(townName);
  }

  function decorateSensors() {
    const inWarning = new Set(state.warnings.active().map((w) => sensorOf(w.sensor)?.id).filter(Boolean));
    const sensors = state.data.sensors ?? emptyCollection();
    sensors.features.forEach((feature) => {
      const last = state.lastObservation.get(feature.id);
      feature.properties = {
        ...feature.properties,
        state: state.faults.has(feature.id) ? 'fault' : inWarning.has(feature.id) ? 'warning' : 'normal',
        ...(last ? { last_value: last.value, last_time: last.time } : {}),
      };
    });
    onemap.setData('sensors', sensors);
  }

  // Observations may arrive many times a second; the sensor layer is redrawn at most twice.
  let sensorsPending = null;
  function scheduleSensors() {
    sensorsPending ??= setTimeout(() => {
      sensorsPending = null;
      decorateSensors();
    }, 500);
  }

  function drawWarnings() {
    const locate = (w) => sensorOf(w.sensor)?.geometry ?? townPoint(w.town_code)?.geometry ?? null;
    state.data.warnings = { type: 'FeatureCollection', features: state.warnings.features(locate) };
    onemap.setData('warnings', state.data.warnings);
    decorateSensors();
    renderWarnings();
    renderLayers();
  }

  async function loadMonitoring() {
    const [index, rules] = await Promise.all([
      datastreamIndex(),
      optional('/api/v1/rules').catch(() => null),
    ]);
    state.datastreams = index;
    state.datastreamRecord = new Map([...index].map(([recordId, ds]) => [ds.id, recordId]));
    state.rules = rules?.rules ?? [];
  }

  async function loadAll(layers = ALL_LAYERS) {
    await Promise.all([...layers.map((layer) => loadLayer(layer)), state.warnings.load().catch(() => {}), loadMonitoring(), incidents.loadList(), drills.load()]);
    // Coverage is drawn on the town areas, so they must be loaded first.
    await publicWarnings.load();
    drawWarnings();
  }

  // --- console ---
  function renderWho() {
    root.querySelector('#who-user').textContent = `${t('app.user')}: ${me.username}`;
    const scope = scopeLabel(me, state.data.towns?.features ?? [], townName);
    root.querySelector('#who-scope').textContent = `${t('app.jurisdiction')}: ${scope}`;
    root.querySelector('#incidents-scope').textContent = isTownScope(me) ? `${t('console.scopeTown')} ${scope}` : t('console.scopeDistrict');
    root.querySelector('#lang').textContent = t('app.language');
  }

  // Items are updated in place, not rebuilt: events arrive many times a second in a flood
  // and a rebuilt list would move the button under the officer's finger.
  const actionErrors = new Map();
  function warningItem(warning) {
    const item = document.createElement('li');
    item.dataset.id = warning.id;
    item.innerHTML = '<div class="warning-head"><span class="level"></span> <strong></strong></div><div class="meta"></div><div class="buttons"></div>';
    for (const action of ACTIONS) {
      const button = document.createElement('button');
      button.dataset.action = action;
      button.onclick = async () => {
        button.disabled = true;
        try {
          await state.warnings.act(warning.id, action);
          actionErrors.delete(warning.id);
        } catch (error) {
          actionErrors.set(warning.id, `${t('console.actionFailed')}: ${error.message}`);
        }
        button.disabled = false;
        drawWarnings();
      };
      item.querySelector('.buttons').append(button);
    }
    item.onclick = (event) => {
      if (event.target.tagName === 'BUTTON') return;
      const geometry = state.data.warnings.features.find((f) => f.id === warning.id)?.geometry;
      if (geometry) onemap.map.easeTo({ center: geometry.coordinates, zoom: 12 });
    };
    return item;
  }

  // Monitoring warnings name a rule and a subject (a sensor id): show the sensor's name.
  function warningTitle(warning) {
    if (warning.headline) return warning.headline;
    const sensor = sensorOf(warning.sensor);
    const rule = state.rules.find((r) => r.id === warning.rule);
    const ruleName = rule ? (lang() === 'en' ? rule.name.en : rule.name.zh) : warning.rule ?? '';
    return sensor ? `${sensor.properties.name} · ${ruleName}` : warning.title;
  }

  function fillWarningItem(item, warning) {
    item.className = `warning level-${warning.level}`;
    item.style.borderLeftColor = LEVEL_COLOURS[warning.level] ?? '#9e9e9e';
    item.querySelector('.level').textContent = tValue(warning.level);
    item.querySelector('strong').textContent = warningTitle(warning);
    markDrill(item.querySelector('strong'), warning.drill);
    item.querySelector('.meta').textContent = actionErrors.get(warning.id)
      ?? `${tValue(warning.status)} · ${warning.raised_at ? formatTime(warning.raised_at, lang()) : ''}`;
    for (const button of item.querySelectorAll('button')) {
      button.textContent = t(`console.${button.dataset.action}`);
      if (button.dataset.action === 'acknowledge') button.disabled = warning.status === 'acknowledged';
      // Escalating asks the next level now; it makes sense only while an acknowledgement
      // is owed and the warning was not already escalated for want of one.
      if (button.dataset.action === 'escalate') {
        const last = warning.history?.at?.(-1);
        button.disabled = warning.status === 'acknowledged' || (last?.action?.action ?? last?.action) === 'overdue';
      }
    }
  }

  function renderWarnings() {
    const feed = root.querySelector('#warning-feed');
    const active = state.warnings.active();
    if (!state.warnings.available || active.length === 0) {
      feed.replaceChildren(emptyItem(state.warnings.available ? 'console.noWarnings' : 'console.warningsUnavailable'));
      return;
    }
    const existing = new Map([...feed.querySelectorAll('li.warning')].map((li) => [li.dataset.id, li]));
    const items = active.map((warning) => {
      const item = existing.get(warning.id) ?? warningItem(warning);
      fillWarningItem(item, warning);
      return item;
    });
    const order = items.map((li) => li.dataset.id).join('\n');
    const shown = [...feed.children].map((li) => li.dataset.id).join('\n');
    if (order !== shown) feed.replaceChildren(...items);
  }

  function updateLayerCounts() {
    for (const layer of ALL_LAYERS) {
      const row = root.querySelector(`#layer-panel [data-layer="${layer.id}"]`);
      if (!row) continue;
      const features = state.data[layer.id]?.features ?? [];
      row.querySelector('.count').textContent = state.unavailable.has(layer.id) ? t('legend.unavailable') : String(features.length);
      row.querySelector('.badge.synthetic').hidden = !features.some((f) => f.properties?.synthetic === true);
    }
  }

  function renderLayers() {
    const panel = root.querySelector('#layer-panel');
    if (panel.dataset.lang === lang()) return updateLayerCounts();
    panel.dataset.lang = lang();
    panel.replaceChildren();
    for (const layer of ALL_LAYERS) {
      const row = document.createElement('div');
      row.className = 'layer';
      row.dataset.layer = layer.id;
      const label = document.createElement('label');
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.checked = state.visible[layer.id];
      box.onchange = () => {
        state.visible[layer.id] = box.checked;
        onemap.setVisible(layer.id, box.checked);
      };
      const name = document.createElement('span');
      name.textContent = t(`layer.${layer.id}`);
      const count = document.createElement('span');
      count.className = 'count';
      const badge = document.createElement('span');
      badge.className = 'badge synthetic';
      badge.textContent = t('legend.synthetic');
      label.append(box, name, count, badge);
      row.append(label);
      if (layer.legend) {
        const legend = document.createElement('div');
        legend.className = 'legend';
        for (const entry of layer.legend) {
          const item = document.createElement('span');
          item.innerHTML = '<i></i>';
          const swatch = item.querySelector('i');
          if (entry.dashed) {
            swatch.className = 'dashed';
            swatch.style.borderTopColor = entry.colour;
          } else swatch.style.background = entry.colour;
          item.append(t(entry.label));
          legend.append(item);
        }
        row.append(legend);
      }
      panel.append(row);
    }
    updateLayerCounts();
  }

  const teamName = (id) => (state.data.teams?.features ?? []).find((f) => f.id === id)?.properties.name ?? id;
  const incidents = new IncidentConsole({
    listEl: root.querySelector('#incident-list'),
    pageEl: root.querySelector('#incident-page'),
    onemap,
    teamName,
    log: (kind, text) => log(kind, text),
  });
  const analyses = new Analyses({
    panel: root.querySelector('#analyses-panel'),
    onemap,
    towns: () => state.data.towns?.features ?? [],
    townName,
    nameOf: (layer, id) => (state.data[layer]?.features ?? []).find((f) => f.id === id)?.properties.name ?? id,
  });

  const publicWarnings = new PublicWarnings({
    panel: root.querySelector('#public-warnings-panel'),
    townAreas: () => state.data.town_areas?.features ?? [],
    showCoverage(collection) {
      state.data.cap_coverage = collection;
      onemap.setData('cap_coverage', collection);
      updateLayerCounts();
    },
  });
  const drills = new DrillsPanel({ panel: root.querySelector('#drills-panel') });

  const activity = [];
  function log(kind, text) {
    activity.unshift({ at: new Date(), kind, text });
    activity.length = Math.min(activity.length, 30);
    const list = root.querySelector('#activity');
    list.replaceChildren(...activity.map((entry) => {
      const li = document.createElement('li');
      li.textContent = `${formatTime(entry.at, lang()).slice(-8)} ${entry.kind} ${entry.text}`;
      return li;
    }));
  }

  function renderAll() {
    translate(root);
    renderWho();
    renderWarnings();
    renderLayers();
    incidents.render();
    analyses.fillTowns(me.jurisdiction?.town_code ?? '120119100');
    analyses.render();
    publicWarnings.render();
    drills.render();
    if (chartSensor) openChart(chartSensor);
  }

  // --- a sensor's last 24 hours ---
  let chartSensor = null;
  async function openChart(sensorId) {
    const sensor = sensorOf(sensorId);
    if (!sensor) return;
    chartSensor = sensor.id;
    const panel = root.querySelector('#chart-panel');
    panel.hidden = false;
    panel.dataset.sensor = sensor.id;
    const body = document.createElement('div');
    const close = document.createElement('button');
    close.type = 'button';
    close.className = 'link';
    close.textContent = t('chart.close');
    close.onclick = () => { chartSensor = null; panel.hidden = true; panel.replaceChildren(); };
    await showSensorChart(body, sensor, state.datastreams, state.rules);
    panel.replaceChildren(close, body);
    panel.dataset.ready = 'true';
    panel.scrollIntoView({ block: 'nearest' });
  }

  // --- interaction ---
  onemap.onFeatureClick((layerId, feature, lngLat) => {
    const original = state.data[layerId]?.features.find((f) => String(f.id ?? f.properties?.id) === String(feature.id));
    const properties = original?.properties ?? feature.properties;
    const content = details(layerId, properties);
    if (layerId === 'sensors') {
      content.append(popupButton('chart.open', () => openChart(properties.id)));
    }
    if (layerId === 'incidents') {
      content.append(popupButton('incident.open', () => incidents.open(String(properties.id))));
    }
    onemap.popup(lngLat, content);
  });
  function popupButton(label, action) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'popup-action';
    button.textContent = t(label);
    button.onclick = action;
    return button;
  }
  root.querySelector('#lang').onclick = () => setLang(lang() === 'en' ? 'zh-CN' : 'en');
  root.querySelector('#logout').onclick = async () => {
    forgetOfficer();
    await api('/api/v1/auth/logout', { method: 'POST' }).catch(() => {});
    location.assign('/login');
  };
  onLangChange(() => {
    renderAll();
    onemap.relabelTowns(townName);
    log('', '');
    activity.shift();
  });

  renderAll();
  await Promise.all(FIRST_LAYERS.map((layer) => loadLayer(layer, firstAnswers.get(layer.id))));
  renderWho();
  // Nothing else is fetched, parsed or tiled until the county is on screen: on a slow
  // machine those compete with the first frame for the same cores.
  await onemap.whenDrawn('county-line');
  await loadAll(LATER_LAYERS);
  renderAll();
  // A town officer's map opens on their town; the server already limits what it holds.
  if (isTownScope(me)) {
    const mine = (state.data.town_areas?.features ?? []).filter((f) => String(f.id) === String(me.jurisdiction.town_code));
    if (mine.length) onemap.fitTo({ features: mine }, { padding: 30 });
  }
  const openFromAddress = () => {
    const match = /^\/app\/incidents\/([^/]+)$/.exec(location.pathname);
    if (match) return incidents.open(decodeURIComponent(match[1]), { push: false });
    if (incidents.current) incidents.close();
    return null;
  };
  window.addEventListener('popstate', openFromAddress);
  await openFromAddress();
  await onemap.idle();
  Object.assign(window.__yingji, { incidents, analyses, openChart, sensorOf, publicWarnings, drills, layerData: (id) => state.data[id] });
  window.__yingji.ready = true;
  window.__yingji.readyAt = performance.now();

  // --- live ---
  const reloadCollection = (kind) => {
    const id = COLLECTION_OF_KIND[kind] ?? kind;
    const layer = ALL_LAYERS.find((l) => l.id === id);
    if (layer) loadLayer(layer).then(renderLayers);
  };
  // Closures end by themselves at their expiry, with no event: look again every minute.
  setInterval(() => reloadCollection('closures'), 60_000);
  subscribe({
    observation(data) {
      const sensor = sensorOf(data.thing_id ?? data.sensor_id ?? data.datastream_id ?? data.datastream);
      if (!sensor) return;
      state.lastObservation.set(sensor.id, { value: data.result ?? data.value, time: data.phenomenonTime ?? data.phenomenon_time ?? data.time ?? new Date().toISOString() });
      state.faults.delete(sensor.id);
      scheduleSensors();
    },
    warning(data) {
      const raw = data.warning ?? data;
      const before = state.warnings.byId.get(String(raw.id ?? raw.properties?.id));
      const warning = state.warnings.upsert(raw);
      state.warnings.available = true;
      const changed = warning && (!before || before.status !== warning.status || before.level !== warning.level);
      // A repeated event that changes nothing redraws nothing: in a flood of events the
      // map would otherwise re-tile every layer several times a second.
      if (changed) drawWarnings();
      if (changed) log(t('layer.warnings'), `${tValue(warning.level)} ${warningTitle(warning)} ${tValue(warning.status)}`);
    },
    fault(data) {
      const sensor = sensorOf(data.thing_id ?? data.sensor_id ?? data.subject ?? data.datastream_id);
      // A drill's silence is logged as the drill's; the county sensor it stands in for is
      // still reporting, so the map must not show it as failed.
      if (data.drill) {
        log(`${t('drill.badge')} · ${t('legend.fault')}`, sensor?.properties.name ?? '');
        return;
      }
      if (sensor) state.faults.add(sensor.id);
      decorateSensors();
      log(t('legend.fault'), sensor?.properties.name ?? '');
    },
    record(data) {
      reloadCollection(data.kind ?? data.collection);
      log(t(`layer.${COLLECTION_OF_KIND[data.kind] ?? data.collection}`), data.id ?? '');
    },
    incident(data) {
      reloadCollection('incidents');
      if (data.id) incidents.onIncident(data);
      log(t('layer.incidents'), data.title ?? data.id ?? '');
    },
    report(data) { reloadCollection('incidents'); log(t('live.report'), `${data.author ?? ''} ${data.incident_id ?? ''}`); },
    timeline(data) { incidents.onTimeline(data); },
    order(data) {
      incidents.onOrder(data);
      log(t('live.order'), `${teamName(data.team_id)} ${t(`orderStatus.${data.status}`)}`);
    },
    team() { reloadCollection('teams'); },
    'routing.closure.created'(data) {
      reloadCollection('closures');
      log(t('layer.closures'), data.reason ?? '');
    },
    'routing.closure.deleted'() { reloadCollection('closures'); },
    'public_warning.published'(data, _event, kind) {
      publicWarnings.onReleased(data, kind);
      log(t('live.capPublished'), data.identifier ?? data.warning_id ?? '');
    },
    'public_warning.cancelled'(data, _event, kind) {
      publicWarnings.onReleased(data, kind);
      log(t('live.capCancelled'), data.reason ?? data.warning_id ?? '');
    },
    resync() {
      loadAll().then(renderAll);
      if (incidents.current) incidents.open(incidents.current.id, { push: false });
    },
  }, (connected) => {
    const status = root.querySelector('#live-status');
    status.textContent = connected ? `● ${t('app.live')}` : t('app.offline');
    status.classList.toggle('down', !connected);
  });
}
