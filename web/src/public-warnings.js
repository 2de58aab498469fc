// The console's public warnings (CAP, issue 7): those published, and for the chosen one
// its coverage toward the plan's 95% target — overall, per town (also on the map, the
// alert's town areas coloured by ratio) and per delivery channel.
import { api } from './api.js';
import { t, tValue, lang } from './i18n.js';
import { formatTime } from './time.js';
import { feedList } from './feed.js';
import { COVERAGE_TARGET } from './layers.js';

/** States of a warning that was published at some point (and so has deliveries). */
const RELEASED = new Set(['published', 'superseded', 'cancelled']);
/** While deliveries are still being worked off, the chosen warning's coverage is fetched
 *  again after this long (there is no event per delivery). */
const COVERAGE_REFRESH_MS = 5000;
const percent = (ratio) => `${(ratio * 100).toFixed(1)}%`;

export class PublicWarnings {
  /**
   * @param {object} parts panel (container), townAreas() (town area features),
   *   showCoverage(collection) (draws the coverage layer)
   */
  constructor({ panel, townAreas, showCoverage }) {
    Object.assign(this, { panel, townAreas, showCoverage });
    this.warnings = [];
    this.available = true;
    this.selected = null;
    this.coverage = null;
  }

  async load() {
    try {
      const rows = await api('/api/v1/public-warnings');
      this.warnings = (Array.isArray(rows) ? rows : []).filter((w) => RELEASED.has(w.state));
      this.available = true;
    } catch {
      this.available = false;
      this.warnings = [];
    }
    if (!this.selected && this.warnings.length) await this.select(this.warnings[0].id);
    else if (this.selected) await this.select(this.selected);
    else this.render();
  }

  async select(id) {
    this.selected = id;
    clearTimeout(this.refresh);
    try {
      this.coverage = await api(`/api/v1/public-warnings/${encodeURIComponent(id)}/coverage`);
    } catch {
      this.coverage = null;
    }
    if (this.selected !== id) return; // another warning was chosen meanwhile
    this.drawCoverage();
    this.render();
    const pending = (this.coverage?.channels ?? []).some((channel) => channel.pending > 0);
    if (pending) this.refresh = setTimeout(() => this.selected === id && this.select(id), COVERAGE_REFRESH_MS);
  }

  /** A release step heard live (cap-api's `public_warning.published` / `.cancelled`, with
   *  `warning_id`): the list is reloaded, and a newly published warning is chosen so its
   *  coverage is what the map shows. */
  async onReleased(event, kind) {
    if (kind === 'public_warning.published' && event.warning_id) this.selected = event.warning_id;
    await this.load();
  }

  headline(warning) {
    const draft = warning.draft ?? {};
    const text = (lang() === 'en' ? draft.en : draft.zh) ?? draft.zh ?? {};
    return text.headline ?? text.event ?? warning.id;
  }

  drawCoverage() {
    const towns = new Map((this.coverage?.towns ?? []).map((town) => [String(town.town_code), town]));
    const features = this.townAreas()
      .filter((area) => towns.has(String(area.id)))
      .map((area) => {
        const town = towns.get(String(area.id));
        return {
          type: 'Feature', id: area.id, geometry: area.geometry,
          properties: {
            id: area.id, name: town.name, ratio: town.ratio,
            people_reached: town.people_reached, people_in_area: town.people_in_area,
          },
        };
      });
    this.showCoverage({ type: 'FeatureCollection', features });
  }

  render() {
    const list = feedList('feed public-warnings', this.warnings, (warning) => {
      const li = document.createElement('li');
      li.dataset.id = warning.id;
      li.className = warning.id === this.selected ? 'selected' : '';
      li.innerHTML = '<strong></strong><div class="meta"></div>';
      li.querySelector('strong').textContent = this.headline(warning);
      li.querySelector('.meta').textContent = `${tValue(warning.draft?.level ?? '')} · ${tValue(warning.state)} · ${formatTime(warning.approved_at ?? warning.updated_at, lang())}`;
      li.onclick = () => this.select(warning.id);
      return li;
    }, this.available ? 'cap.none' : 'cap.unavailable');
    this.panel.replaceChildren(list, this.coverageView());
  }

  coverageView() {
    const view = document.createElement('div');
    view.className = 'cap-coverage';
    const coverage = this.coverage;
    if (!this.selected) return view;
    if (!coverage) {
      view.textContent = t('cap.noCoverage');
      return view;
    }
    view.dataset.warning = coverage.warning_id;
    const overall = document.createElement('p');
    overall.className = `overall ${coverage.meets_target ? 'met' : 'short'}`;
    const o = coverage.overall;
    overall.dataset.ratio = String(o.ratio);
    overall.textContent = `${t('cap.reached')} ${o.people_reached.toLocaleString()} / ${o.people_in_area.toLocaleString()} ${t('cap.people')} · ${percent(o.ratio)} (${t('cap.target')} ${percent(coverage.target_ratio ?? COVERAGE_TARGET)})`;
    const towns = table(['cap.town', 'cap.reached', 'cap.ratio'], coverage.towns.map((town) => [
      town.name, `${town.people_reached.toLocaleString()} / ${town.people_in_area.toLocaleString()}`, percent(town.ratio),
    ]));
    towns.classList.add('cap-towns');
    const channels = table(['cap.channel', 'cap.delivered', 'cap.failed', 'cap.pending'], coverage.channels.map((c) => [
      tValue(c.channel), c.delivered, c.failed, c.pending,
    ]));
    channels.classList.add('cap-channels');
    view.append(overall, towns, channels);
    return view;
  }
}

function table(headings, rows) {
  const element = document.createElement('table');
  element.className = 'rows';
  const head = element.createTHead().insertRow();
  for (const heading of headings) {
    const th = document.createElement('th');
    th.textContent = t(heading);
    head.append(th);
  }
  const body = element.createTBody();
  for (const row of rows) {
    const tr = body.insertRow();
    for (const cell of row) tr.insertCell().textContent = String(cell);
  }
  return element;
}
