import { useState } from 'preact/hooks';
import { ta } from '../action-messages.ts';
import { type AlarmAction, alarmActions } from '../alarm-actions.ts';
import { request } from '../api.ts';
import { t } from '../messages.ts';
import { lastError, loaders, me } from '../store.ts';
import type { Alarm } from '../types.ts';
import { RequiredText } from './required-text.tsx';

/** The buttons for what the signed-in role may do about an alarm; each asks for the note the record keeps. */
export function AlarmActions({ alarm }: { alarm: Alarm }) {
  const [action, setAction] = useState<AlarmAction | null>(null);
  const [note, setNote] = useState('');
  const actions = alarmActions(alarm, me.value?.user.role);
  if (actions.length === 0) return null;
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!action) return;
    try {
      await request(action.path, { body: action.body(note) });
      setAction(null);
      setNote('');
      await loaders.alarms();
    } catch (err) {
      lastError.value = (err as Error).message;
    }
  };
  if (action)
    return (
      <form class="inline-form" data-form={action.id} onSubmit={(e) => void submit(e)}>
        <b>{ta(action.id)}</b>
        <RequiredText name="note" label={ta('actionNote')} value={note} onInput={setNote} />
        <button type="submit">{t('confirm')}</button>
        <button type="button" class="link" onClick={() => setAction(null)}>
          {t('cancel')}
        </button>
      </form>
    );
  return (
    <span class="actions">
      {actions.map((a) => (
        <button key={a.id} type="button" data-action={a.id} onClick={() => setAction(a)}>
          {ta(a.id)}
        </button>
      ))}
    </span>
  );
}
