// The incident vocabulary the server accepts (yingji-domain: SUBTYPES, Severity, and
// yingji-incidents: Figure, OrderStatus); labels live in the dictionaries.

/** Sub-types of the Emergency Response Law's four categories, as the API names them. */
export const INCIDENT_TYPES = [
  'flood', 'rainstorm', 'geological_hazard', 'forest_fire', 'earthquake', 'drought', 'snow_ice',
  'hazardous_chemicals', 'mine', 'road_traffic', 'fire', 'construction', 'utility_outage',
  'epidemic', 'food_safety', 'mass_incident', 'public_security',
];

/** Least severe first: most field reports are grade IV (一般). */
export const SEVERITIES = ['IV', 'III', 'II', 'I'];

/** Cumulative casualty and damage figures a report may carry. */
export const FIGURES = [
  'deaths', 'injured', 'missing', 'affected', 'relocated', 'houses_collapsed', 'houses_damaged',
  'roads_interrupted', 'power_interrupted', 'communication_interrupted',
];

/** An order's steps in the order they happen; `cancelled` may end it at any point. */
export const ORDER_STEPS = ['proposed', 'sent', 'accepted', 'en_route', 'on_scene', 'completed'];

/** The steps that may be taken from `status`, as yingji-incidents' `OrderStatus::step`
 *  allows them: the one next step, and cancelling, while the order is still active. The
 *  server decides; offering only these spares the officer a refusal. */
export function orderStepsFrom(status) {
  const at = ORDER_STEPS.indexOf(status);
  if (at < 0 || at === ORDER_STEPS.length - 1) return [];
  return [ORDER_STEPS[at + 1], 'cancelled'];
}
