// Who last used the field report page on this device, so that the page can open with no
// network: the server cannot be asked who is signed in then, and the outbox (kept per
// officer) must be the right one. Only the name and jurisdiction are kept — what the page
// shows and what the outbox is keyed by — and they are forgotten on sign-out or when the
// server says the session is gone.
const KEY = 'yingji.report.officer';

export function rememberOfficer(me) {
  const { user_id, username, jurisdiction } = me;
  localStorage.setItem(KEY, JSON.stringify({ user_id, username, jurisdiction }));
}

export function rememberedOfficer() {
  try {
    const officer = JSON.parse(localStorage.getItem(KEY) ?? 'null');
    return officer?.user_id && officer.username ? officer : null;
  } catch {
    return null;
  }
}

export const forgetOfficer = () => localStorage.removeItem(KEY);
