import { signal } from '@preact/signals';
import { render } from 'preact';
import { useEffect } from 'preact/hooks';
import { ROLE_LABELS } from '../i18n/domain.ts';
import { labelOf, locale, setLocale } from '../i18n/index.ts';
import { request, whenSignedOut } from './api.ts';
import { AlarmToast } from './components/alarm-toast.tsx';
import { t } from './messages.ts';
import { pagesFor } from './pages/registry.ts';
import { SignInPage } from './pages/sign-in.tsx';
import { feedLive, lastError, me, startLive, stopLive, venue } from './store.ts';
import type { Me } from './types.ts';
import './styles.css';

const route = signal(location.hash.replace(/^#\/?/, ''));
addEventListener('hashchange', () => {
  route.value = location.hash.replace(/^#\/?/, '');
});

whenSignedOut(() => {
  stopLive();
  me.value = null;
});

async function signOut() {
  await request('/api/auth/logout', { method: 'POST', body: {} }).catch(() => {});
  stopLive();
  me.value = null;
}

function Shell({ session }: { session: Me }) {
  const pages = pagesFor(session.user.role);
  const page = pages.find((p) => p.id === route.value) ?? pages[0]!;
  const Page = page.component;
  return (
    <div class="shell">
      <header class="topbar">
        <h1>
          {t('appTitle')}
          {venue.value && <span class="venue">{locale.value === 'en' ? venue.value.nameEn : venue.value.name}</span>}
        </h1>
        <span class={feedLive.value ? 'feed live' : 'feed down'} data-testid="feed">
          {feedLive.value ? t('feedLive') : t('feedDown')}
        </span>
        <span class="user" data-testid="user">
          {session.user.displayName} · {labelOf(ROLE_LABELS, session.user.role)}
        </span>
        <button type="button" class="link" onClick={() => setLocale(locale.value === 'en' ? 'zh-CN' : 'en')}>
          {t('language')}
        </button>
        <button type="button" class="link" onClick={() => void signOut()}>
          {t('signOut')}
        </button>
      </header>
      <nav class="menu">
        {pages.map((p) => (
          <a key={p.id} href={`#/${p.id}`} class={p === page ? 'active' : ''} data-page={p.id}>
            <span class="icon">{p.icon}</span>
            <span>{p.title()}</span>
            {p.badge && p.badge() > 0 && <span class="count">{p.badge()}</span>}
          </a>
        ))}
      </nav>
      <main class="page" data-page={page.id}>
        {lastError.value && (
          <button type="button" class="error-bar" onClick={() => (lastError.value = null)}>
            {t('errorPrefix', { message: lastError.value })}
          </button>
        )}
        <Page />
      </main>
      <AlarmToast />
    </div>
  );
}

function App() {
  useEffect(() => {
    document.documentElement.lang = locale.value;
    request<Me>('/api/auth/me')
      .then(async (m) => {
        me.value = m;
        await startLive();
      })
      .catch(() => {
        me.value = null;
      });
  }, []);
  document.title = t('appTitle');
  if (me.value === undefined) return <div class="loading">{t('loading')}</div>;
  if (me.value === null) return <SignInPage />;
  return <Shell session={me.value} />;
}

render(<App />, document.getElementById('app')!);
