// The 演练/Drill mark of anything a drill produced (an incident, a report, a warning), so
// synthetic events are never taken for real ones wherever they are shown.
import { t } from './i18n.js';

/** The badge for one drill id (the id is the tooltip, so the drill can be found). */
export function drillBadge(drillId) {
  const badge = document.createElement('span');
  badge.className = 'badge drill';
  badge.dataset.drill = drillId;
  badge.textContent = t('drill.badge');
  badge.title = drillId;
  return badge;
}

/**
 * Puts exactly one drill badge before `anchor` (a child of its parent) when `drill` is a
 * drill id, and none otherwise. Feed items are updated in place as live events arrive, so
 * this is called again and again on the same element and must neither stack badges nor
 * leave one behind when an item stops being a drill's.
 */
export function markDrill(anchor, drill) {
  const parent = anchor.parentNode;
  const existing = [...parent.children].find((el) => el.classList.contains('drill'));
  if (!drill) {
    existing?.remove();
    return;
  }
  if (existing && existing.dataset.drill === drill && existing.textContent === t('drill.badge')) return;
  existing?.remove();
  anchor.before(drillBadge(drill));
}
