// The map's layers: where each one's data comes from, how it is drawn, and its legend.
// Only the county's own vector data is drawn; there is no tile source of any kind.

export const CLOSURE_COLOUR = '#d32f2f';

export const NEIGHBOUR_COLOUR = '#7b1fa2';
/** Coverage of a public warning toward the plan's 95% target. */
export const COVERAGE_TARGET = 0.95;
export const COVERAGE_COLOURS = { met: '#2e7d32', short: '#e65100' };

export const LEVEL_COLOURS = { blue: '#1565c0', yellow: '#f9a825', orange: '#ef6c00', red: '#c62828' };

const match = (property, pairs, fallback) => ['match', ['to-string', ['get', property]], ...pairs.flat(), fallback];

/** Point layers: one MapLibre circle layer each, toggled together with their legend. */
export const POINT_LAYERS = [
  {
    id: 'warnings', source: 'warnings', visible: true, radius: 11,
    colour: match('level', Object.entries(LEVEL_COLOURS), '#9e9e9e'),
    legend: Object.entries(LEVEL_COLOURS).map(([level, colour]) => ({ colour, label: `level.${level}` })),
  },
  {
    id: 'incidents', url: '/api/v1/incidents', optional: true, visible: true, radius: 9,
    colour: '#6a1b9a', legend: [{ colour: '#6a1b9a', label: 'layer.incidents' }],
  },
  {
    id: 'sensors', url: '/api/v1/collections/sensors/items', visible: true, radius: 4.5,
    colour: match('state', [['warning', '#ef6c00'], ['fault', '#616161']], '#00897b'),
    legend: [
      { colour: '#00897b', label: 'legend.normal' },
      { colour: '#ef6c00', label: 'legend.inWarning' },
      { colour: '#616161', label: 'legend.fault' },
    ],
  },
  {
    id: 'teams', url: '/api/v1/collections/teams/items', visible: true, radius: 6,
    colour: match('status', [['available', '#2e7d32'], ['dispatched', '#ef6c00'], ['en_route', '#ef6c00'], ['on_scene', '#c62828'], ['busy', '#c62828']], '#757575'),
    legend: [
      { colour: '#2e7d32', label: 'status.available' },
      { colour: '#ef6c00', label: 'status.en_route' },
      { colour: '#c62828', label: 'status.on_scene' },
      { colour: '#757575', label: 'status.unavailable' },
    ],
  },
  {
    id: 'shelters', url: '/api/v1/collections/shelters/items', visible: true,
    radius: ['interpolate', ['linear'], ['sqrt', ['coalesce', ['get', 'capacity'], 0]], 0, 4, 150, 12],
    colour: ['case',
      ['!', ['coalesce', ['get', 'open'], true]], '#9e9e9e',
      ['>=', ['/', ['coalesce', ['get', 'occupancy'], 0], ['max', ['coalesce', ['get', 'capacity'], 1], 1]], 0.9], '#c62828',
      '#43a047'],
    legend: [
      { colour: '#43a047', label: 'legend.open' },
      { colour: '#c62828', label: 'legend.full' },
      { colour: '#9e9e9e', label: 'legend.closed' },
    ],
  },
  {
    id: 'depots', url: '/api/v1/collections/depots/items', visible: true, radius: 7,
    colour: '#5d4037', legend: [{ colour: '#5d4037', label: 'layer.depots' }],
  },
  {
    id: 'stations', url: '/api/v1/collections/stations/items', visible: true, radius: 6,
    colour: '#d84315', legend: [{ colour: '#d84315', label: 'layer.stations' }],
  },
  {
    id: 'helipads', url: '/api/v1/collections/helipads/items', visible: true, radius: 7,
    colour: '#283593', legend: [{ colour: '#283593', label: 'layer.helipads' }],
  },
  {
    id: 'hazard_points', url: '/api/v1/collections/hazard_points/items', visible: false, radius: 4,
    colour: match('hazard_type', [['debris_flow', '#8d6e63'], ['landslide', '#a1887f']], '#bcaaa4'),
    legend: [
      { colour: '#8d6e63', label: 'value.debris_flow' },
      { colour: '#a1887f', label: 'value.landslide' },
      { colour: '#bcaaa4', label: 'value.collapse' },
    ],
  },
  {
    id: 'enterprises', url: '/api/v1/collections/enterprises/items', visible: false, radius: 6,
    colour: match('risk_grade', Object.entries(LEVEL_COLOURS), '#9e9e9e'),
    legend: Object.entries(LEVEL_COLOURS).map(([level, colour]) => ({ colour, label: `level.${level}` })),
  },
];

/** Base layers: the county itself, drawn under the points. */
export const BASE_LAYERS = [
  { id: 'county', url: '/api/v1/collections/county/items', visible: true },
  { id: 'town_areas', url: '/api/v1/collections/town_areas/items', visible: true },
  { id: 'roads', url: '/api/v1/routing/roads', optional: true, visible: true },
  // The town areas of the public warning chosen in the console, coloured by coverage; the
  // console fills it (no url of its own).
  {
    id: 'cap_coverage', visible: true,
    legend: [
      { colour: COVERAGE_COLOURS.met, label: 'legend.coverageMet' },
      { colour: COVERAGE_COLOURS.short, label: 'legend.coverageShort' },
    ],
  },
  // Alerts of neighbouring counties (their CAP feeds), told apart from ours by colour and dashes.
  {
    id: 'neighbour_alerts', url: '/api/v1/neighbour-alerts.geojson', optional: true, visible: true,
    legend: [{ colour: NEIGHBOUR_COLOUR, label: 'legend.neighbour', dashed: true }],
  },
  // Closed and slowed road segments (routing-api), over the roads and warning areas; reloaded live.
  {
    id: 'closures', url: '/api/v1/routing/closures', optional: true, visible: true,
    legend: [{ colour: CLOSURE_COLOUR, label: 'legend.closure', dashed: true }],
  },
  { id: 'villages', url: '/api/v1/collections/villages/items', visible: false },
  { id: 'towns', url: '/api/v1/collections/towns/items', visible: true },
];

/** What the officer needs to find their way on the map, drawn before anything else. */
export const FIRST_LAYER_IDS = ['county', 'town_areas', 'towns'];
export const FIRST_LAYER_URLS = BASE_LAYERS.filter((layer) => FIRST_LAYER_IDS.includes(layer.id)).map((layer) => layer.url);

/** The collection a `record` event's kind belongs to, so only that layer reloads. */
export const COLLECTION_OF_KIND = {
  county: 'county', town: 'towns', town_area: 'town_areas', village: 'villages', shelter: 'shelters',
  team: 'teams', station: 'stations', depot: 'depots', helipad: 'helipads', sensor: 'sensors',
  enterprise: 'enterprises', hazard_point: 'hazard_points',
};

/** Town-area fills: a soft palette so neighbouring towns are told apart. */
export const TOWN_PALETTE = ['#e3f2fd', '#e8f5e9', '#fff8e1', '#fce4ec', '#ede7f6', '#e0f7fa', '#f1f8e9', '#fff3e0'];
