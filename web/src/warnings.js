// Active warnings as the console and the map see them, built against the monitoring API's
// contract: GET /api/v1/warnings, POST /api/v1/warnings/{id}/acknowledge|escalate|lift.
// The endpoint may not exist on an older server: the feed then says it is unavailable.
import { api, optional, listOf } from './api.js';

const LEVEL_RANK = { red: 4, orange: 3, yellow: 2, blue: 1 };
export const ACTIONS = ['acknowledge', 'escalate', 'lift'];

/** One warning from whatever shape the server sends (plain object or GeoJSON Feature). */
export function normalise(raw) {
  const base = raw && raw.properties ? { ...raw.properties, id: raw.id ?? raw.properties.id, geometry: raw.geometry } : { ...raw };
  return {
    ...base,
    id: String(base.id),
    level: String(base.level ?? base.colour ?? '').toLowerCase(),
    status: String(base.status ?? base.state ?? 'raised').toLowerCase(),
    headline: base.title ?? base.headline ?? null,
    title: base.title ?? base.headline ?? base.rule_name ?? base.rule ?? base.kind ?? base.id,
    // sensor_id first: for a drill's warning the subject is the drill's shadow datastream,
    // made after the page loaded and in no index here; sensor_id is the county sensor it
    // stands in for, where the map must draw it (e2e-duty.mjs checks this live).
    sensor: base.sensor_id ?? base.thing_id ?? base.subject ?? base.source_id ?? null,
    raised_at: base.raised_at ?? base.created_at ?? base.history?.[0]?.at ?? base.at ?? null,
  };
}

export class Warnings {
  constructor() {
    this.byId = new Map();
    this.available = false;
  }

  async load() {
    const body = await optional('/api/v1/warnings');
    this.available = body !== null;
    this.byId.clear();
    listOf(body, 'warnings').forEach((raw) => this.upsert(raw));
  }

  upsert(raw) {
    const warning = normalise(raw);
    if (warning.id === 'undefined') return null;
    this.byId.set(warning.id, { ...this.byId.get(warning.id), ...warning });
    return warning;
  }

  active() {
    return [...this.byId.values()]
      .filter((w) => w.status !== 'lifted')
      .sort((a, b) => (LEVEL_RANK[b.level] ?? 0) - (LEVEL_RANK[a.level] ?? 0)
        || String(b.raised_at).localeCompare(String(a.raised_at)));
  }

  async act(id, action) {
    const answer = await api(`/api/v1/warnings/${encodeURIComponent(id)}/${action}`, { method: 'POST', body: {} });
    if (answer && (answer.id || answer.properties)) this.upsert(answer);
    else if (action === 'lift') this.upsert({ ...this.byId.get(id), status: 'lifted' });
    return answer;
  }

  /** Map features: each active warning at its own geometry, its sensor's, or its town's. */
  features(locate) {
    return this.active().flatMap((warning) => {
      const geometry = warning.geometry ?? locate(warning);
      if (!geometry) return [];
      const { geometry: _omit, ...properties } = warning;
      return [{ type: 'Feature', id: warning.id, geometry, properties }];
    });
  }
}
