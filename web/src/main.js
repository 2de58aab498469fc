// Routes on the client: /public (no sign-in), /login, and the duty app everywhere else.
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
    if (!path.startsWith('/login')) history.replaceState(null, '', '/login');
    return startLogin(root);
  }
  if (!path.startsWith('/app')) history.replaceState(null, '', '/app');
  const { startApp } = await import('./app.js');
  return startApp(root, me);
}

route();
