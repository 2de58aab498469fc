// A feature's details: every property, known ones with translated labels and values.
import { t, tValue } from './i18n.js';
import { formatTime, looksLikeTime } from './time.js';
import { drillBadge } from './drill-badge.js';

const HIDDEN = new Set(['_colour']);

function formatValue(key, value) {
  if (value === null || value === undefined || value === '') return '—';
  if (key === 'collection') return t(`layer.${value}`);
  if (typeof value === 'boolean') return t(`value.${value}`);
  if (looksLikeTime(value)) return formatTime(value);
  if (typeof value === 'number') return value.toLocaleString();
  if (Array.isArray(value)) {
    return value.map((item) => (typeof item === 'object' ? item.name ?? JSON.stringify(item) : tValue(item))).join('、');
  }
  if (typeof value === 'object') {
    return Object.entries(value).map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`).join('; ');
  }
  if (['kind', 'status', 'level', 'team_type', 'site_type', 'sensor_type', 'hazard_type', 'industry',
    'risk_grade', 'station_type', 'unit_type', 'nbs_kind', 'position_basis', 'state', 'surface', 'collection'].includes(key)) {
    return tValue(value);
  }
  return String(value);
}

const labelOf = (key) => {
  const label = t(`prop.${key}`);
  return label === `prop.${key}` ? key : label;
};

export function details(layerId, properties) {
  const root = document.createElement('div');
  root.className = 'details';
  const title = document.createElement('h3');
  title.textContent = properties.name ?? properties.title ?? properties.headline ?? properties.reason ?? properties.id ?? t(`layer.${layerId}`);
  root.append(title);
  const kind = document.createElement('div');
  kind.className = 'details-kind';
  kind.textContent = t(`layer.${layerId}`);
  if (properties.synthetic === true) {
    const badge = document.createElement('span');
    badge.className = 'badge synthetic';
    badge.textContent = t('popup.synthetic');
    kind.append(' ', badge);
  }
  // A drill's incidents and warnings carry their drill id; they are exercises, not events.
  if (typeof properties.drill === 'string' && properties.drill) kind.append(' ', drillBadge(properties.drill));
  root.append(kind);
  const table = document.createElement('table');
  for (const [key, value] of Object.entries(properties)) {
    if (HIDDEN.has(key) || key === 'name') continue;
    const row = table.insertRow();
    row.dataset.key = key;
    const th = document.createElement('th');
    th.textContent = labelOf(key);
    const td = document.createElement('td');
    td.textContent = formatValue(key, value);
    row.append(th, td);
  }
  root.append(table);
  return root;
}
