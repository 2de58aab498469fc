// The console's drills (issue 8): each drill with its scenario, state and start, and a link
// to its after-action report (an HTML page served by drill-api, opened in a new tab).
import { api } from './api.js';
import { t, tValue, lang } from './i18n.js';
import { formatTime } from './time.js';
import { feedList } from './feed.js';

export class DrillsPanel {
  /** @param {object} parts panel (container) */
  constructor({ panel }) {
    this.panel = panel;
    this.drills = [];
    this.available = true;
  }

  async load() {
    try {
      const body = await api('/api/v1/drills');
      this.drills = Array.isArray(body?.drills) ? body.drills : [];
      this.available = true;
    } catch {
      this.drills = [];
      this.available = false;
    }
    this.render();
  }

  render() {
    const list = feedList('feed drills', this.drills, (drill) => {
      const li = document.createElement('li');
      li.dataset.id = drill.id;
      li.innerHTML = '<strong></strong><div class="meta"></div><a class="report" target="_blank" rel="noopener"></a>';
      li.querySelector('strong').textContent = `${drill.title ?? drill.scenario_id} (${drill.id})`;
      li.querySelector('.meta').textContent = `${drill.scenario_id} · ${tValue(drill.state)} · ${formatTime(drill.started_at, lang())}`;
      const link = li.querySelector('a.report');
      link.href = `/api/v1/drills/${encodeURIComponent(drill.id)}/report`;
      link.textContent = t('drill.report');
      return li;
    }, this.available ? 'drill.none' : 'drill.unavailable');
    this.panel.replaceChildren(list);
  }
}
