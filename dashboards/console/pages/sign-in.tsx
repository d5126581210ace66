import { request } from '../api.ts';
import { SignInForm } from '../components/sign-in-form.tsx';
import { t } from '../messages.ts';
import { unlockSound } from '../sound.ts';
import { me, startLive } from '../store.ts';
import type { Me } from '../types.ts';

export function SignInPage() {
  return (
    <SignInForm
      title={t('appTitle')}
      signIn={async (username, password) => {
        unlockSound(); // the click is the user gesture browsers need before an alarm may ring
        const session = await request<Me>('/api/auth/login', { body: { username, password } });
        me.value = { user: session.user, seesNames: session.seesNames };
        await startLive();
      }}
    />
  );
}
