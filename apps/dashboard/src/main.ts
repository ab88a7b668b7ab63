import { ApiError, session, signIn, type Role } from './api';
import { disposeCharts } from './chart';
import { h } from './dom';
import { lang, setLang, t, type Label } from './i18n';
import { compliancePage } from './pages/compliance';
import { livePage } from './pages/live';
import { satisfactionPage } from './pages/satisfaction';
import { ticketPage } from './pages/ticket';
import { warrantyPage } from './pages/warranty';

/** The pages and the roles whose keys may read them (the API decides; the menu only follows it). */
const PAGES: Array<{ route: string; label: Label; roles: Role[] }> = [
  { route: 'compliance', label: 'compliance', roles: ['analyst', 'admin'] },
  { route: 'ticket', label: 'ticket', roles: ['analyst', 'auditor', 'admin'] },
  { route: 'satisfaction', label: 'satisfaction', roles: ['analyst', 'admin'] },
  { route: 'warranty', label: 'warranty', roles: ['analyst', 'auditor', 'admin'] },
  { route: 'live', label: 'live', roles: ['analyst', 'admin'] },
];

const app = document.getElementById('app')!;
let leave: (() => void) | undefined;

function navigate(hash: string): void {
  if (location.hash === hash) void render();
  else location.hash = hash;
}

function header(role: Role): HTMLElement {
  const toggle = h('button', { type: 'button', id: 'language', lang: lang() === 'zh' ? 'en' : 'zh-CN' }, t('language'));
  toggle.addEventListener('click', () => {
    setLang(lang() === 'zh' ? 'en' : 'zh');
    void render();
  });
  const signOut = h('button', { type: 'button', id: 'sign-out' }, t('signOut'));
  signOut.addEventListener('click', () => {
    session.clear();
    navigate('#/');
  });
  const current = location.hash.replace(/^#\/?/, '').split(/[/?]/)[0];
  const links = PAGES.filter((page) => page.roles.includes(role)).map((page) =>
    h('li', {}, h('a', { href: `#/${page.route}`, 'aria-current': page.route === current ? 'page' : undefined }, t(page.label))),
  );
  return h('header', {}, h('strong', {}, t('title')), h('nav', { 'aria-label': t('title') }, h('ul', {}, ...links)), h('span', { class: 'who', 'data-role': role }, `${t('signedInAs')} ${role}`), toggle, signOut);
}

function signInForm(message?: string): HTMLElement {
  const form = h(
    'form',
    { class: 'sign-in', id: 'sign-in' },
    h('h1', {}, t('title')),
    h('label', {}, t('apiKey'), h('input', { name: 'key', type: 'password', autocomplete: 'off', required: true })),
    h('p', { class: 'hint' }, t('signInHint')),
    message ? h('p', { class: 'error', role: 'alert' }, message) : null,
    h('button', { type: 'submit' }, t('signIn')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const key = String(new FormData(form).get('key') ?? '').trim();
    signIn(key).then(
      (role) => {
        session.save(key, role);
        navigate(role === 'auditor' ? '#/warranty' : '#/compliance');
      },
      (error: unknown) => {
        const text = error instanceof ApiError ? (error.status === 403 ? t('wrongRole') : error.status === 401 ? t('badKey') : `${error.status} ${error.message}`) : String(error);
        app.replaceChildren(signInForm(text));
      },
    );
  });
  return form;
}

async function render(): Promise<void> {
  leave?.();
  leave = undefined;
  disposeCharts();
  document.title = t('title');
  const role = session.role();
  if (!session.key() || !role) {
    app.replaceChildren(signInForm());
    return;
  }
  const [path, search = ''] = location.hash.replace(/^#\/?/, '').split('?');
  const [route, ...rest] = path.split('/');
  const page = PAGES.find((p) => p.route === route && p.roles.includes(role)) ?? PAGES.find((p) => p.roles.includes(role))!;
  const main = h('main', { id: 'page', 'data-page': page.route, 'aria-busy': 'true' });
  app.replaceChildren(header(role), main);
  try {
    if (page.route === 'compliance') await compliancePage(main, new URLSearchParams(search), navigate);
    else if (page.route === 'ticket') await ticketPage(main, rest[0] ? decodeURIComponent(rest[0]) : undefined, navigate);
    else if (page.route === 'satisfaction') await satisfactionPage(main);
    else if (page.route === 'warranty') await warrantyPage(main);
    else leave = livePage(main);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      session.clear();
      app.replaceChildren(signInForm(t('badKey')));
      return;
    }
    main.append(h('p', { class: 'error', role: 'alert' }, error instanceof ApiError && error.status === 403 ? t('notAllowed') : (error as Error).message));
  }
  main.setAttribute('aria-busy', 'false');
  main.dataset.ready = 'true';
  // When the page's figures are drawn, for the Performance API (the load test reads it).
  performance.mark(`dashboard-ready:${page.route}`);
}

setLang(lang());
window.addEventListener('hashchange', () => void render());
void render();
