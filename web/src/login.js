// The sign-in page. A session cookie is set by the server on success.
import { api } from './api.js';
import { t, lang, setLang, onLangChange, translate } from './i18n.js';

const TEMPLATE = `
<div class="login-page">
  <form class="login" id="login-form">
    <div class="brand"><span class="logo">应</span><div><strong data-i18n="app.title"></strong><small data-i18n="app.subtitle"></small></div></div>
    <h1 data-i18n="login.title"></h1>
    <label><span data-i18n="login.username"></span><input name="username" autocomplete="username" required></label>
    <label><span data-i18n="login.password"></span><input name="password" type="password" autocomplete="current-password" required></label>
    <p class="error" id="login-error" role="alert"></p>
    <button type="submit" data-i18n="login.submit"></button>
    <div class="login-links"><a href="/public" data-i18n="login.public"></a><button type="button" class="link" id="lang" data-i18n="app.language"></button></div>
  </form>
</div>`;

export function startLogin(root) {
  root.innerHTML = TEMPLATE;
  translate(root);
  onLangChange(() => translate(root));
  root.querySelector('#lang').onclick = () => setLang(lang() === 'en' ? 'zh-CN' : 'en');
  root.querySelector('#login-form').onsubmit = async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    const error = root.querySelector('#login-error');
    error.textContent = '';
    try {
      await api('/api/v1/auth/login', { method: 'POST', body: { username: form.get('username'), password: form.get('password') } });
      location.assign(await landingPage());
    } catch (failure) {
      error.textContent = failure.status === 401 || failure.status === 400 ? t('login.failed') : failure.message;
    }
  };
}

/** Back to the page that asked for a sign-in; else an information officer's report page,
 *  everyone else's map. */
async function landingPage() {
  const next = new URLSearchParams(location.search).get('next');
  if (next && /^\/app(\/|$)/.test(next)) return next;
  const me = await api('/api/v1/auth/me').catch(() => null);
  const roles = me?.roles ?? [];
  const commands = roles.some((role) => ['duty_officer', 'town_officer', 'admin'].includes(role));
  return roles.includes('info_officer') && !commands ? '/app/report' : '/app';
}
