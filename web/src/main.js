// Routes on the client: /public (no sign-in), /login, /app/report (the field report page),
// and the duty app everywhere else.
import './style.css';
import { api } from './api.js';
import { startLogin } from './login.js';

const root = document.getElementById('root');

async function route() {
  const path = location.pathname;
  if (path.startsWith('/public')) {
    const { startPublic } = await import('./public.js');
    return startPublic(root);
  }
  const me = await api('/api/v1/auth/me').catch(() => null);
  const signedIn = me && me.user_id;
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
    return startReport(root, me);
  }
  if (!path.startsWith('/app')) history.replaceState(null, '', '/app');
  const { startApp } = await import('./app.js');
  return startApp(root, me);
}

route();
