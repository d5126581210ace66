import { useEffect, useState } from 'preact/hooks';
import { ROLE_LABELS } from '../../i18n/domain.ts';
import { labelOf } from '../../i18n/index.ts';
import { request } from '../api.ts';
import { t } from '../messages.ts';
import { lastError } from '../store.ts';
import type { Me, Role } from '../types.ts';

type User = Me['user'] & { disabled: boolean };
const ROLES: Role[] = ['administrator', 'witness', 'auditor', 'operator'];

/** Console users (administrators only): create, change role, disable. */
export function UsersPage() {
  const [users, setUsers] = useState<User[]>([]);
  const [draft, setDraft] = useState({ username: '', displayName: '', password: '', role: 'witness' as Role });
  const load = () =>
    request<User[]>('/api/auth/users')
      .then(setUsers)
      .catch((err: Error) => (lastError.value = err.message));
  useEffect(() => void load(), []);

  const change = async (path: string, body: unknown) => {
    try {
      await request(path, { body });
      await load();
    } catch (err) {
      lastError.value = (err as Error).message;
    }
  };
  const create = async (e: Event) => {
    e.preventDefault();
    await change('/api/auth/users', { ...draft, displayName: draft.displayName || undefined });
    setDraft({ ...draft, username: '', displayName: '', password: '' });
  };
  const field = (name: 'username' | 'displayName' | 'password') => ({
    name,
    value: draft[name],
    onInput: (e: Event) => setDraft({ ...draft, [name]: (e.currentTarget as HTMLInputElement).value }),
  });

  return (
    <section class="users">
      <form class="inline-form" onSubmit={(e) => void create(e)}>
        <input placeholder={t('username')} required {...field('username')} />
        <input placeholder={t('displayName')} {...field('displayName')} />
        <input placeholder={t('password')} type="password" required minLength={10} {...field('password')} />
        <select
          name="role"
          value={draft.role}
          onChange={(e) => setDraft({ ...draft, role: e.currentTarget.value as Role })}
        >
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {labelOf(ROLE_LABELS, r)}
            </option>
          ))}
        </select>
        <button type="submit">{t('createUser')}</button>
      </form>
      <table class="grid">
        <thead>
          <tr>
            <th>{t('username')}</th>
            <th>{t('displayName')}</th>
            <th>{t('role')}</th>
            <th>{t('state')}</th>
          </tr>
        </thead>
        <tbody>
          {users.map((u) => (
            <tr key={u.id} data-user={u.username} class={u.disabled ? 'offline' : ''}>
              <td>{u.username}</td>
              <td>{u.displayName}</td>
              <td>
                <select
                  value={u.role}
                  onChange={(e) => void change(`/api/auth/users/${u.username}`, { role: e.currentTarget.value })}
                >
                  {ROLES.map((r) => (
                    <option key={r} value={r}>
                      {labelOf(ROLE_LABELS, r)}
                    </option>
                  ))}
                </select>
              </td>
              <td>
                <button
                  type="button"
                  onClick={() => void change(`/api/auth/users/${u.username}`, { disabled: !u.disabled })}
                >
                  {u.disabled ? t('enable') : t('disable')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
