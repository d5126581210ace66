import { useState } from 'preact/hooks';
import { locale, setLocale } from '../../i18n/index.ts';
import { ApiError } from '../api.ts';
import { t } from '../messages.ts';
import { useSubmit } from './use-submit.ts';

/**
 * The sign-in form of the hall console and the city console: username, password, the language switch, and the
 * reason when `signIn` throws (too many attempts named as such).
 */
export function SignInForm({
  title,
  signIn,
}: {
  title: string;
  signIn: (username: string, password: string) => Promise<void>;
}) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, submit } = useSubmit((err) => {
    const reason =
      err instanceof ApiError && err.status === 429 ? t('tooManyAttempts') : err instanceof Error ? err.message : '';
    return t('signInFailed', { reason });
  });
  const signInWith = submit(() => signIn(username, password));

  return (
    <div class="sign-in">
      <form onSubmit={(e) => void signInWith(e)}>
        <h1>{title}</h1>
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
