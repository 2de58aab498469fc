// The routing engine's planning analyses, run from the console and shown twice: on the map
// as a layer (uncovered or unreachable villages as points, evacuation assignments as lines)
// and as a table beside it.
import { api } from './api.js';
import { t } from './i18n.js';

const TEMPLATE = `
<form class="analysis" data-analysis="coverage">
  <label><span data-i18n="analysis.stationType"></span><select name="station_type">
    <option value="fire" data-i18n="value.fire"></option><option value="forest" data-i18n="value.forest"></option><option value="rescue" data-i18n="value.rescue"></option>
  </select></label>
  <label><span data-i18n="analysis.minutes"></span><input name="minutes" type="number" min="1" max="180" value="15"></label>
  <button type="submit" data-i18n="analysis.coverage"></button>
</form>
<form class="analysis" data-analysis="aerial">
  <label><span data-i18n="analysis.hours"></span><input name="hours" type="number" min="0.1" max="12" step="0.1" value="0.5"></label>
  <button type="submit" data-i18n="analysis.aerial"></button>
</form>
<form class="analysis" data-analysis="evacuation">
  <label><span data-i18n="analysis.town"></span><select name="town"></select></label>
  <button type="submit" data-i18n="analysis.evacuation"></button>
</form>
<p class="analysis-message"></p>
<div class="analysis-result"></div>`;

const MAX_ROWS = 30;
const fixed = (value, digits = 0) => (value == null ? '—' : Number(value).toFixed(digits));

export class Analyses {
  /** @param {object} parts panel (container), onemap, towns() (town features), townName(props), nameOf(kind, id) */
  constructor({ panel, onemap, towns, townName, nameOf }) {
    Object.assign(this, { panel, onemap, towns, townName, nameOf });
    panel.innerHTML = TEMPLATE;
    onemap.addLine('analysis-lines', { 'line-color': '#6a1b9a', 'line-width': 2, 'line-opacity': 0.7 });
    onemap.map.addSource('analysis-points', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
    onemap.map.addLayer({
      id: 'analysis-points-circles', type: 'circle', source: 'analysis-points',
      paint: { 'circle-radius': 5, 'circle-color': '#d81b60', 'circle-stroke-color': '#fff', 'circle-stroke-width': 1 },
    });
    for (const form of panel.querySelectorAll('form.analysis')) {
      form.onsubmit = (event) => {
        event.preventDefault();
        this.run(form.dataset.analysis, form);
      };
    }
    this.last = null;
  }

  fillTowns(defaultTown) {
    const select = this.panel.querySelector('select[name=town]');
    const chosen = select.value || defaultTown || '';
    select.replaceChildren(...this.towns().map((f) => new Option(this.townName(f.properties), f.id)));
    if (chosen) select.value = chosen;
  }

  async run(kind, form) {
    const message = this.panel.querySelector('.analysis-message');
    message.textContent = t('analysis.running');
    const button = form.querySelector('button');
    button.disabled = true;
    try {
      const field = (name) => form.elements[name].value;
      const answer = kind === 'coverage'
        ? await api(`/api/v1/routing/coverage?station_type=${encodeURIComponent(field('station_type'))}&minutes=${encodeURIComponent(field('minutes'))}`)
        : kind === 'aerial'
          ? await api(`/api/v1/routing/aerial?hours=${encodeURIComponent(field('hours'))}`)
          : await api('/api/v1/routing/evacuation', { method: 'POST', body: { area: { towns: [field('town')] } } });
      this.last = { kind, answer };
      message.textContent = '';
      this.draw();
      this.render();
    } catch (error) {
      message.textContent = `${t('console.actionFailed')}: ${error.message}`;
    }
    button.disabled = false;
  }

  draw() {
    const { kind, answer } = this.last;
    const features = answer.geojson?.features ?? [];
    const points = features.filter((f) => f.geometry?.type === 'Point');
    const lines = features.filter((f) => f.geometry?.type !== 'Point');
    this.onemap.map.getSource('analysis-points').setData({ type: 'FeatureCollection', features: points });
    this.onemap.setLine('analysis-lines', { type: 'FeatureCollection', features: lines });
    if (kind === 'evacuation' && lines.length) this.onemap.fitTo({ features: lines }, { padding: 40, maxZoom: 12 });
  }

  clear() {
    this.last = null;
    this.onemap.map.getSource('analysis-points').setData({ type: 'FeatureCollection', features: [] });
    this.onemap.setLine('analysis-lines', null);
    this.panel.querySelector('.analysis-result').replaceChildren();
  }

  /** The summary line and the table of the last analysis, in the current language. */
  render() {
    this.panel.querySelectorAll('[data-i18n]').forEach((el) => { el.textContent = t(el.dataset.i18n); });
    const result = this.panel.querySelector('.analysis-result');
    if (!this.last) return result.replaceChildren();
    const { kind, answer } = this.last;
    const summary = document.createElement('p');
    summary.className = 'analysis-summary';
    let header;
    let rows;
    if (kind === 'coverage') {
      const r = answer.report;
      summary.textContent = `${t('analysis.stations')} ${r.stations} · ${t('analysis.uncoveredVillages')} ${r.uncovered_villages} · ${t('analysis.uncoveredPopulation')} ${r.uncovered_population}`;
      header = ['analysis.village', 'analysis.townCol', 'prop.population', 'analysis.minutesCol'];
      rows = r.villages.filter((v) => !v.covered).sort((a, b) => (b.minutes ?? Infinity) - (a.minutes ?? Infinity))
        .map((v) => [v.name, this.townLabel(v.town), v.population, fixed(v.minutes)]);
    } else if (kind === 'aerial') {
      const r = answer.report;
      summary.textContent = `${t('analysis.unreachableVillages')} ${r.unreachable_villages} · ${t('analysis.unreachablePopulation')} ${r.unreachable_population} (≤ ${fixed(r.max_minutes)} ${t('public.minutes')})`;
      header = ['analysis.village', 'analysis.townCol', 'prop.population', 'analysis.minutesCol'];
      rows = r.villages.filter((v) => !v.reachable).sort((a, b) => b.minutes - a.minutes)
        .map((v) => [v.name, this.townLabel(v.town), v.population, fixed(v.minutes)]);
    } else {
      const p = answer.plan;
      summary.textContent = `${t('analysis.people')} ${p.total_people} · ${t('analysis.assigned')} ${p.assigned_people} · ${t('analysis.unassigned')} ${p.unassigned_people} · ${t('analysis.personMinutes')} ${fixed(p.total_person_minutes)}`;
      header = ['layer.shelters', 'analysis.assignedCol', 'prop.capacity'];
      rows = p.shelter_loads.filter((s) => s.assigned > 0).sort((a, b) => b.assigned - a.assigned)
        .map((s) => [this.nameOf('shelters', s.shelter_id), s.assigned, s.capacity]);
    }
    const table = document.createElement('table');
    table.className = 'analysis-table';
    table.dataset.kind = kind;
    const head = table.createTHead().insertRow();
    for (const key of header) {
      const th = document.createElement('th');
      th.textContent = t(key);
      head.append(th);
    }
    const body = table.createTBody();
    for (const cells of rows.slice(0, MAX_ROWS)) {
      const row = body.insertRow();
      for (const cell of cells) row.insertCell().textContent = String(cell);
    }
    const more = document.createElement('p');
    more.className = 'hint';
    more.textContent = rows.length > MAX_ROWS ? `${t('analysis.more')} ${rows.length - MAX_ROWS}` : rows.length ? '' : t('analysis.noRows');
    result.replaceChildren(summary, table, more);
  }

  townLabel(code) {
    const town = this.towns().find((f) => String(f.id) === String(code));
    return town ? this.townName(town.properties) : code;
  }
}
