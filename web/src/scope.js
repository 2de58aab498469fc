// The caller's jurisdiction in words. The server decides what a town officer may see and
// do; the UI only says which scope it is showing.
import { t } from './i18n.js';

export function scopeLabel(me, towns, townName) {
  const j = me.jurisdiction ?? {};
  if (j.scope !== 'town') return t('app.district');
  const town = towns.find((f) => String(f.id) === String(j.town_code));
  return `${t('app.town')} ${town ? townName(town.properties) : j.town_code}`;
}

export const isTownScope = (me) => me.jurisdiction?.scope === 'town';
