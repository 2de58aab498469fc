// A datastream's last 24 hours as a line, with the warning thresholds of its rules drawn
// across it. Inline SVG written by hand rather than a charting library: one line, a few
// threshold rules and two axes cost about 3 KB here, where a charting library would add
// 50–200 KB gzipped to a page that must stay light on a field officer's phone.
import { api, listOf } from './api.js';
import { t, tValue, lang } from './i18n.js';
import { formatTime } from './time.js';
import { LEVEL_COLOURS } from './layers.js';

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 330;
const HEIGHT = 170;
const PAD = { left: 44, right: 8, top: 10, bottom: 24 };
const DAY_MS = 24 * 3600 * 1000;

/** Numeric SensorThings ids of the dataset's datastreams, by the record id the dataset gave them. */
export async function datastreamIndex() {
  const body = await api('/sta/v1.1/Datastreams?$top=10000').catch(() => null);
  const index = new Map();
  for (const ds of body?.value ?? []) {
    const recordId = ds.properties?.record_id;
    if (recordId) index.set(recordId, { id: ds['@iot.id'], name: ds.name, unit: ds.unitOfMeasurement?.symbol ?? '' });
  }
  return index;
}

/** Threshold lines of the rules that grade this datastream's value itself. */
export function thresholdsOf(rules, datastreamId) {
  return rules
    .filter((rule) => rule.enabled !== false && rule.condition?.kind === 'threshold' && rule.condition.datastream === datastreamId)
    .flatMap((rule) => rule.condition.grading.bands.map((band) => ({ level: band.level, value: band.raise, rule: rule.id })));
}

const hourFormat = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit', hour12: false });

function element(name, attributes, text) {
  const el = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) el.setAttribute(key, String(value));
  if (text !== undefined) el.textContent = text;
  return el;
}

/** The chart as an SVG element: observations [{time: ms, value}], thresholds [{level, value}]. */
export function drawChart(observations, thresholds, { now = Date.now(), unit = '' } = {}) {
  const svg = element('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: 'chart', role: 'img' });
  const values = [...observations.map((o) => o.value), ...thresholds.map((th) => th.value)];
  let low = values.length ? Math.min(...values) : 0;
  let high = values.length ? Math.max(...values) : 1;
  if (high === low) { high += 1; low -= 1; }
  const margin = (high - low) * 0.08;
  low -= margin;
  high += margin;
  const start = now - DAY_MS;
  const x = (time) => PAD.left + ((time - start) / DAY_MS) * (WIDTH - PAD.left - PAD.right);
  const y = (value) => HEIGHT - PAD.bottom - ((value - low) / (high - low)) * (HEIGHT - PAD.top - PAD.bottom);

  svg.append(element('rect', { x: PAD.left, y: PAD.top, width: WIDTH - PAD.left - PAD.right, height: HEIGHT - PAD.top - PAD.bottom, class: 'plot' }));
  for (let i = 0; i <= 4; i += 1) {
    const value = low + ((high - low) * i) / 4;
    svg.append(element('text', { x: PAD.left - 4, y: y(value) + 3, class: 'tick y' }, value.toFixed(Math.abs(high - low) < 10 ? 2 : 0)));
  }
  for (let hours = 0; hours <= 24; hours += 6) {
    const time = start + hours * 3600 * 1000;
    svg.append(element('line', { x1: x(time), x2: x(time), y1: PAD.top, y2: HEIGHT - PAD.bottom, class: 'grid' }));
    const anchor = hours === 0 ? 'start' : hours === 24 ? 'end' : 'middle';
    svg.append(element('text', { x: x(time), y: HEIGHT - 8, class: 'tick x', 'text-anchor': anchor }, hourFormat.format(time)));
  }
  svg.append(element('text', { x: 2, y: PAD.top + 2, class: 'tick unit' }, unit));
  for (const threshold of thresholds) {
    const colour = LEVEL_COLOURS[threshold.level] ?? '#9e9e9e';
    svg.append(element('line', {
      x1: PAD.left, x2: WIDTH - PAD.right, y1: y(threshold.value), y2: y(threshold.value),
      stroke: colour, class: 'threshold', 'data-level': threshold.level, 'data-value': threshold.value,
    }));
    svg.append(element('text', { x: WIDTH - PAD.right - 2, y: y(threshold.value) - 2, fill: colour, class: 'threshold-label' }, `${tValue(threshold.level)} ${threshold.value}`));
  }
  const inside = observations.filter((o) => o.time >= start && o.time <= now);
  if (inside.length) {
    const points = inside.map((o) => `${x(o.time).toFixed(1)},${y(o.value).toFixed(1)}`).join(' ');
    svg.append(element('polyline', { points, class: 'series', 'data-count': inside.length }));
    const last = inside[inside.length - 1];
    svg.append(element('circle', { cx: x(last.time), cy: y(last.value), r: 3, class: 'last' }));
  }
  return svg;
}

/** Loads and draws a sensor's datastreams into `container`, one chart each. */
export async function showSensorChart(container, sensor, index, rules) {
  container.replaceChildren();
  const title = document.createElement('h3');
  title.textContent = `${sensor.properties.name} · ${t('chart.last24h')}`;
  container.append(title);
  const since = new Date(Date.now() - DAY_MS).toISOString();
  for (const stream of sensor.properties.datastreams ?? []) {
    const known = index.get(stream.id);
    const figure = document.createElement('figure');
    figure.dataset.datastream = stream.id;
    const caption = document.createElement('figcaption');
    caption.textContent = `${stream.name} (${stream.unit_symbol ?? known?.unit ?? ''})`;
    figure.append(caption);
    container.append(figure);
    if (!known) {
      figure.append(t('chart.unavailable'));
      continue;
    }
    const filter = encodeURIComponent(`phenomenonTime ge ${since}`);
    const body = await api(`/sta/v1.1/Datastreams(${known.id})/Observations?$filter=${filter}&$orderby=phenomenonTime%20asc&$top=10000`).catch(() => null);
    const observations = listOf(body, 'value')
      .map((o) => ({ time: Date.parse(o.phenomenonTime), value: Number(o.result) }))
      .filter((o) => Number.isFinite(o.time) && Number.isFinite(o.value));
    const thresholds = thresholdsOf(rules, known.id);
    figure.append(drawChart(observations, thresholds, { unit: stream.unit_symbol ?? known.unit }));
    const note = document.createElement('p');
    note.className = 'hint';
    const last = observations[observations.length - 1];
    note.textContent = [
      `${observations.length} ${t('chart.observations')}`,
      last ? `${t('prop.last_value')} ${last.value} · ${formatTime(new Date(last.time), lang())}` : t('chart.noData'),
      thresholds.length ? null : t('chart.noThresholds'),
    ].filter(Boolean).join(' · ');
    figure.append(note);
  }
}
