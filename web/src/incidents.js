// The console's incidents: the list, and one incident's page with its figures (each with
// the report it came from and the change since the value before), its timeline (live), and
// the dispatch panel (teams ranked by road travel time, the route on the map, orders and
// their status, live). Everything the server refuses is shown with its message.
import { api, listOf } from './api.js';
import { t, lang } from './i18n.js';
import { formatTime } from './time.js';
import { FIGURES, ORDER_STEPS, orderStepsFrom } from './incident-vocabulary.js';
import { drillBadge } from './drill-badge.js';
import { emptyItem } from './feed.js';

const PAGE_TEMPLATE = `
<div class="incident-head"><button type="button" class="link back" data-i18n="incident.back"></button><h2 class="incident-title"></h2></div>
<p class="incident-meta"></p>
<h3 data-i18n="incident.figures"></h3>
<table class="figures"><thead><tr><th data-i18n="incident.figure"></th><th data-i18n="incident.value"></th><th data-i18n="incident.change"></th><th data-i18n="incident.source"></th></tr></thead><tbody></tbody></table>
<h3 data-i18n="incident.dispatch"></h3>
<div class="dispatch">
  <button type="button" class="rank primary" data-i18n="incident.rankTeams"></button>
  <p class="dispatch-message"></p>
  <table class="candidates" hidden><thead><tr><th data-i18n="incident.team"></th><th data-i18n="incident.travel"></th><th></th></tr></thead><tbody></tbody></table>
</div>
<h3 data-i18n="incident.orders"></h3>
<ul class="orders"></ul>
<h3 data-i18n="incident.timeline"></h3>
<ol class="timeline"></ol>`;

/** How long a cancel button waits for its confirming click before it disarms. */
export const CANCEL_CONFIRM_MS = 4000;

const minutes = (seconds) => (seconds == null ? '—' : `${Math.max(1, Math.round(seconds / 60))} ${t('public.minutes')}`);

export class IncidentConsole {
  /**
   * @param {object} parts listEl, pageEl (containers), onemap, teamName(id), log(kind, text)
   */
  constructor({ listEl, pageEl, onemap, teamName, log }) {
    Object.assign(this, { listEl, pageEl, onemap, teamName, log });
    this.incidents = [];
    this.current = null;      // the open incident
    this.timeline = [];
    this.orders = new Map();  // order id -> order, of the open incident
    this.candidates = [];
    this.dispatchMessage = '';
    this.orderErrors = new Map(); // order id -> why the server refused its last step
    this.confirmingCancel = new Map(); // order id -> timer that disarms its cancel button
    onemap.addLine('dispatch-route', { 'line-color': '#1e88e5', 'line-width': 5, 'line-opacity': 0.85 });
  }

  async loadList() {
    try {
      this.incidents = listOf(await api('/api/v1/incidents'));
      this.available = true;
    } catch (error) {
      this.available = error.status !== 404;
      this.incidents = [];
    }
    this.renderList();
  }

  renderList() {
    const items = this.incidents.map((incident) => {
      const li = document.createElement('li');
      li.className = `incident status-${incident.status}`;
      li.dataset.id = incident.id;
      li.innerHTML = '<strong></strong><div class="meta"></div>';
      li.querySelector('strong').textContent = incident.title;
      // Drill incidents are synthetic and must never be taken for real ones.
      if (incident.drill) li.querySelector('strong').before(drillBadge(incident.drill));
      li.querySelector('.meta').textContent = [
        t(`incidentType.${incident.type}`), t(`severity.${incident.severity}`),
        t(`incidentStatus.${incident.status}`), formatTime(incident.opened_at, lang()),
      ].join(' · ');
      li.onclick = () => this.open(incident.id);
      return li;
    });
    if (!items.length) items.push(emptyItem(this.available === false ? 'incident.unavailable' : 'incident.none'));
    this.listEl.replaceChildren(...items);
  }

  /** Opens an incident's page (and its address /app/incidents/{id}). */
  async open(id, { push = true } = {}) {
    const [incident, timeline, orders] = await Promise.all([
      api(`/api/v1/incidents/${encodeURIComponent(id)}`),
      api(`/api/v1/incidents/${encodeURIComponent(id)}/timeline`).catch(() => []),
      api(`/api/v1/incidents/${encodeURIComponent(id)}/orders`).catch(() => []),
    ]).catch((error) => {
      this.log(t('layer.incidents'), `${id}: ${error.message}`);
      return [null];
    });
    if (!incident) return;
    this.current = incident;
    this.timeline = timeline;
    this.orders = new Map(orders.map((order) => [order.id, order]));
    this.candidates = [];
    this.dispatchMessage = '';
    this.onemap.setLine('dispatch-route', null);
    if (push && location.pathname !== `/app/incidents/${id}`) history.pushState(null, '', `/app/incidents/${id}`);
    this.pageEl.hidden = false;
    this.pageEl.innerHTML = PAGE_TEMPLATE;
    this.pageEl.querySelector('.back').onclick = () => this.close();
    this.pageEl.querySelector('.rank').onclick = () => this.rankTeams();
    this.render();
    this.onemap.map.easeTo({ center: incident.location, zoom: 11, duration: 0 });
    this.pageEl.scrollIntoView({ block: 'start' });
  }

  close() {
    this.current = null;
    this.pageEl.hidden = true;
    this.pageEl.replaceChildren();
    this.onemap.setLine('dispatch-route', null);
    if (location.pathname !== '/app') history.pushState(null, '', '/app');
  }

  render() {
    this.renderList();
    if (!this.current) return;
    const page = this.pageEl;
    page.querySelectorAll('[data-i18n]').forEach((el) => { el.textContent = t(el.dataset.i18n); });
    const incident = this.current;
    page.dataset.id = incident.id;
    page.querySelector('.incident-title').textContent = incident.title;
    if (incident.drill) page.querySelector('.incident-title').prepend(drillBadge(incident.drill), ' ');
    page.querySelector('.incident-meta').textContent = [
      t(`incidentType.${incident.type}`), t(`severity.${incident.severity}`),
      t(`incidentStatus.${incident.status}`), `${t('incident.opened')} ${formatTime(incident.opened_at, lang())}`,
      incident.opened_by,
    ].join(' · ');
    this.renderFigures();
    this.renderCandidates();
    this.renderOrders();
    this.renderTimeline();
  }

  renderFigures() {
    const body = this.pageEl.querySelector('.figures tbody');
    const figures = this.current.figures ?? {};
    const rows = FIGURES.filter((f) => figures[f]).map((figure) => {
      const entry = figures[figure];
      const row = document.createElement('tr');
      row.dataset.figure = figure;
      const change = entry.change > 0 ? `+${entry.change}` : String(entry.change);
      const source = `${entry.report_id} · ${formatTime(entry.reported_at, lang())}`;
      for (const text of [t(`figure.${figure}`), String(entry.value), change, source]) {
        const cell = row.insertCell();
        cell.textContent = text;
      }
      row.cells[2].className = entry.change > 0 ? 'up' : entry.change < 0 ? 'down' : '';
      return row;
    });
    if (!rows.length) {
      const row = document.createElement('tr');
      const cell = row.insertCell();
      cell.colSpan = 4;
      cell.className = 'empty';
      cell.textContent = t('incident.noFigures');
      rows.push(row);
    }
    body.replaceChildren(...rows);
  }

  renderTimeline() {
    const list = this.pageEl.querySelector('.timeline');
    list.replaceChildren(...[...this.timeline].reverse().map((entry) => {
      const li = document.createElement('li');
      li.dataset.seq = entry.seq;
      li.dataset.kind = entry.kind;
      li.innerHTML = '<span class="when"></span> <span class="kind"></span> <span class="what"></span>';
      li.querySelector('.when').textContent = formatTime(entry.at, lang()).slice(-8);
      li.querySelector('.kind').textContent = t(`timeline.${entry.kind}`);
      li.querySelector('.what').textContent = `${entry.summary} (${entry.actor})`;
      return li;
    }));
  }

  // --- dispatch ---
  async rankTeams() {
    const button = this.pageEl.querySelector('.rank');
    button.disabled = true;
    this.dispatchMessage = t('incident.ranking');
    this.renderCandidates();
    try {
      this.candidates = await api(`/api/v1/incidents/${encodeURIComponent(this.current.id)}/dispatch`);
      this.dispatchMessage = this.candidates.length ? '' : t('incident.noTeams');
      if (this.candidates.length) this.showRoute(this.candidates[0]);
    } catch (error) {
      this.dispatchMessage = `${t('console.actionFailed')}: ${error.message}`;
    }
    button.disabled = false;
    this.renderCandidates();
  }

  showRoute(candidate) {
    this.shownRoute = candidate.team.id;
    this.onemap.setLine('dispatch-route', candidate.route);
    // A cross-country leg is a straight line over no road: dashed, so nobody reads it as one.
    const crossCountry = candidate.route?.properties?.cross_country === true;
    if (this.onemap.map.getLayer('dispatch-route-line')) {
      this.onemap.map.setPaintProperty('dispatch-route-line', 'line-dasharray', crossCountry ? [1, 2] : undefined);
    }
    const line = candidate.route?.geometry ?? candidate.route;
    if (line?.coordinates?.length) this.onemap.fitTo({ features: [{ geometry: line }] }, { padding: 60, maxZoom: 13 });
    this.pageEl.querySelectorAll('.candidates tr[data-team]').forEach((row) => {
      row.classList.toggle('shown', row.dataset.team === candidate.team.id);
    });
  }

  renderCandidates() {
    if (!this.current) return;
    this.pageEl.querySelector('.dispatch-message').textContent = this.dispatchMessage;
    const table = this.pageEl.querySelector('.candidates');
    table.hidden = this.candidates.length === 0;
    const busy = new Set([...this.orders.values()].filter((o) => !['completed', 'cancelled'].includes(o.status)).map((o) => o.team_id));
    table.tBodies[0].replaceChildren(...this.candidates.map((candidate) => {
      const row = document.createElement('tr');
      row.dataset.team = candidate.team.id;
      row.classList.toggle('shown', this.shownRoute === candidate.team.id);
      const name = row.insertCell();
      name.innerHTML = '<strong></strong><div class="meta"></div>';
      name.querySelector('strong').textContent = candidate.team.name;
      name.querySelector('.meta').textContent = `${t(`value.${candidate.team.team_type}`)} · ${candidate.team.members} ${t('incident.people')}`;
      row.insertCell().textContent = `${minutes(candidate.travel_time_s)} · ${(candidate.distance_m / 1000).toFixed(1)} km`;
      const send = document.createElement('button');
      send.type = 'button';
      send.className = 'send-order';
      send.textContent = busy.has(candidate.team.id) ? t('incident.sent') : t('incident.send');
      send.disabled = busy.has(candidate.team.id);
      send.onclick = (event) => { event.stopPropagation(); this.sendOrder(candidate); };
      row.insertCell().append(send);
      row.onclick = () => this.showRoute(candidate);
      return row;
    }));
  }

  async sendOrder(candidate) {
    try {
      const order = await api(`/api/v1/incidents/${encodeURIComponent(this.current.id)}/orders`, {
        method: 'POST',
        body: { team_id: candidate.team.id, send: true, travel_time_s: candidate.travel_time_s },
      });
      this.orders.set(order.id, order);
      this.showRoute(candidate);
      this.dispatchMessage = '';
    } catch (error) {
      this.dispatchMessage = `${t('console.actionFailed')}: ${error.message}`;
    }
    this.renderCandidates();
    this.renderOrders();
  }

  renderOrders() {
    const list = this.pageEl.querySelector('.orders');
    const orders = [...this.orders.values()];
    if (!orders.length) return list.replaceChildren(emptyItem('incident.noOrders'));
    list.replaceChildren(...orders.map((order) => {
      const li = document.createElement('li');
      li.dataset.id = order.id;
      li.dataset.status = order.status;
      li.innerHTML = '<strong></strong> <span class="state"></span><ol class="steps"></ol><div class="meta"></div><div class="order-actions"></div><p class="order-error" role="alert"></p>';
      li.querySelector('strong').textContent = this.teamName(order.team_id);
      li.querySelector('.state').textContent = t(`orderStatus.${order.status}`);
      // The steps as a progress line, so the officer sees at a glance how far the team is.
      const reached = ORDER_STEPS.indexOf(order.status);
      li.querySelector('.steps').replaceChildren(...ORDER_STEPS.slice(1).map((step, i) => {
        const dot = document.createElement('li');
        dot.textContent = t(`orderStatus.${step}`);
        dot.className = order.status === 'cancelled' ? 'cancelled' : i + 1 <= reached ? 'done' : '';
        return dot;
      }));
      li.querySelector('.meta').textContent = `${minutes(order.travel_time_s)} · ${t('app.updated')} ${formatTime(order.updated_at, lang())}`;
      li.querySelector('.order-actions').replaceChildren(...orderStepsFrom(order.status).map((step) => {
        const button = document.createElement('button');
        button.type = 'button';
        button.className = `order-step${step === 'cancelled' ? ' cancel' : ''}`;
        button.dataset.step = step;
        button.textContent = t(`orderStep.${step}`);
        if (step === 'cancelled') this.guardCancel(button, order.id);
        else button.onclick = () => this.stepOrder(order.id, step);
        return button;
      }));
      li.querySelector('.order-error').textContent = this.orderErrors.get(order.id) ?? '';
      return li;
    }));
  }

  /**
   * Cancelling recalls a team already on its way and cannot be undone, so it takes two
   * clicks: the first arms the button (it asks to confirm), a second within
   * CANCEL_CONFIRM_MS sends it, and otherwise the button disarms by itself. The armed state
   * is kept per order, not on the element, because live events rebuild the list. (Not
   * window.confirm: a modal blocks the page, live updates and the headless browser test.)
   */
  guardCancel(button, orderId) {
    const armed = this.confirmingCancel.has(orderId);
    button.classList.toggle('confirm', armed);
    button.dataset.confirm = String(armed);
    if (armed) button.textContent = t('orderStep.confirmCancel');
    button.onclick = () => {
      const timer = this.confirmingCancel.get(orderId);
      clearTimeout(timer);
      this.confirmingCancel.delete(orderId);
      if (timer !== undefined) return this.stepOrder(orderId, 'cancelled');
      this.confirmingCancel.set(orderId, setTimeout(() => {
        this.confirmingCancel.delete(orderId);
        this.renderOrders();
      }, CANCEL_CONFIRM_MS));
      return this.renderOrders();
    };
  }

  /** Moves an order one step (or cancels it); the server enforces the lifecycle and its
   *  refusal is shown under the order. The answer is drawn at once; the `order` event that
   *  follows (for every console watching) changes nothing more. */
  async stepOrder(orderId, step) {
    this.pageEl.querySelectorAll(`.orders li[data-id="${orderId}"] button`).forEach((b) => { b.disabled = true; });
    try {
      const order = await api(`/api/v1/orders/${encodeURIComponent(orderId)}/status`, { method: 'POST', body: { status: step } });
      this.orders.set(order.id, order);
      this.orderErrors.delete(orderId);
    } catch (error) {
      this.orderErrors.set(orderId, `${t('console.actionFailed')}: ${error.message}`);
    }
    this.renderOrders();
    this.renderCandidates();
  }

  // --- live ---
  onIncident(incident) {
    const index = this.incidents.findIndex((i) => i.id === incident.id);
    if (index >= 0) this.incidents[index] = incident;
    else this.incidents.unshift(incident);
    if (this.current?.id === incident.id) {
      this.current = incident;
      this.render();
    } else {
      this.renderList();
    }
  }

  onTimeline(entry) {
    if (this.current?.id !== entry.incident_id) return;
    if (this.timeline.some((e) => e.seq === entry.seq)) return;
    this.timeline.push(entry);
    this.timeline.sort((a, b) => a.seq - b.seq);
    this.renderTimeline();
  }

  onOrder(order) {
    if (this.current?.id !== order.incident_id) return;
    this.orders.set(order.id, order);
    this.renderOrders();
    this.renderCandidates();
  }
}
