// Routes on the client: /public (no sign-in), /login, /app/report (the field report page),
// and the duty app everywhere else.
import './style.css';
import { api, ApiError, prefetch } from './api.js';
import { FIRST_LAYER_URLS } from './layers.js';
import { startLogin } from './login.js';
import { rememberOfficer, rememberedOfficer, forgetOfficer } from './officer.js';

const root = document.getElementById('root');

async function route() {
  const path = location.pathname;
  if (path.startsWith('/public')) {
    const { startPublic } = await import('./public.js');
    return startPublic(root);
  }
  // The map's code (MapLibre is most of the page's weight) is fetched while the server is
  // asked who is signed in, not after; a visitor who must sign in first has it cached.
  const mapPage = path.startsWith('/app') && !path.startsWith('/app/report');
  const appCode = mapPage ? import('./app.js') : null;
  appCode?.catch(() => {}); // a failure is reported where it is awaited
  // Likewise the county, its towns and their areas, which the map draws first.
  if (mapPage) prefetch(FIRST_LAYER_URLS);
  let me = null;
  try {
    me = await api('/api/v1/auth/me');
  } catch (error) {
    // No answer at all (no network, not a refusal): the report page, kept by its service
    // worker, opens for the officer who last used it here; their outbox sends later.
    const officer = !(error instanceof ApiError) && path.startsWith('/app/report') ? rememberedOfficer() : null;
    if (officer) {
      const { startReport } = await import('./report.js');
      return startReport(root, officer);
    }
  }
  const signedIn = me && me.user_id;
  if (!signedIn) forgetOfficer();
  if (path.startsWith('/login') || !signedIn) {
    if (!path.startsWith('/login')) {
      const next = path.startsWith('/app/') ? `?next=${encodeURIComponent(path)}` : '';
      history.replaceState(null, '', `/login${next}`);
    }
    return startLogin(root);
  }
  if (path.startsWith('/app/report')) {
    // The field report page has its own small chunk, loaded only on a phone that asks for it.
    const { startReport } = await import('./report.js');
    rememberOfficer(me);
    return startReport(root, me);
  }
  if (!path.startsWith('/app')) history.replaceState(null, '', '/app');
  const { startApp } = await (appCode ?? import('./app.js'));
  return startApp(root, me);
}

route();
