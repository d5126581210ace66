import { useState } from 'preact/hooks';
import { locale, setLocale } from '../../i18n/index.ts';
import { ApiError, request } from '../api.ts';
import { t } from '../messages.ts';
import { unlockSound } from '../sound.ts';
import { me, startLive } from '../store.ts';
import type { Me } from '../types.ts';

export function SignInPage() {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    unlockSound(); // the click is the user gesture browsers need before an alarm may ring
    setBusy(true);
    setError(null);
    try {
      const session = await request<Me>('/api/auth/login', { body: { username, password } });
      me.value = { user: session.user, seesNames: session.seesNames };
      await startLive();
    } catch (err) {
      const reason =
        err instanceof ApiError && err.status === 429 ? t('tooManyAttempts') : err instanceof Error ? err.message : '';
      setError(t('signInFailed', { reason }));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="sign-in">
      <form onSubmit={(e) => void submit(e)}>
        <h1>{t('appTitle')}</h1>
        <label>
          {t('username')}
          <input
            name="username"
            autocomplete="username"
            value={username}
            onInput={(e) => setUsername(e.currentTarget.value)}
            required
          />
        </label>
        <label>
          {t('password')}
          <input
            name="password"
            type="password"
            autocomplete="current-password"
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
            required
          />
        </label>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {t('signIn')}
        </button>
        <button type="button" class="link" onClick={() => setLocale(locale.value === 'en' ? 'zh-CN' : 'en')}>
          {t('language')}
        </button>
      </form>
    </div>
  );
}
