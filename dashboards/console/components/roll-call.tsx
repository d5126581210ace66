import { useState } from 'preact/hooks';
import { ta } from '../action-messages.ts';
import { request } from '../api.ts';
import { t } from '../messages.ts';
import { lastError } from '../store.ts';
import type { BoardSession } from '../types.ts';
import { RequiredText } from './required-text.tsx';

/**
 * After a fire, the witness's roll call (火警后点名) for one session: every checked-in expert ticked back or left
 * absent (each absent one raises `roll-call-absent`); until it is taken, nobody of the session re-enters.
 */
export function RollCall({ session, onDone }: { session: BoardSession; onDone: () => void }) {
  const experts = session.experts.filter((e) => e.checkedIn);
  const [present, setPresent] = useState<Set<string>>(new Set());
  const [note, setNote] = useState('');
  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      await request('/api/access/roll-call', {
        body: {
          session: session.id,
          present: experts.filter((x) => present.has(x.pseudonym)).map((x) => x.pseudonym),
          absent: experts.filter((x) => !present.has(x.pseudonym)).map((x) => x.pseudonym),
          note,
        },
      });
      onDone();
    } catch (err) {
      lastError.value = (err as Error).message;
    }
  };
  const toggle = (pseudonym: string, on: boolean) => {
    const next = new Set(present);
    if (on) next.add(pseudonym);
    else next.delete(pseudonym);
    setPresent(next);
  };
  return (
    <form class="roll-call" data-form="roll-call" onSubmit={(e) => void submit(e)}>
      <h3>{ta('rollCallTitle')}</h3>
      <p class="hint">{ta('rollCallHint')}</p>
      {experts.map((x) => (
        <label key={x.pseudonym} data-roll={x.pseudonym}>
          <input
            type="checkbox"
            name="present"
            value={x.pseudonym}
            checked={present.has(x.pseudonym)}
            onChange={(e) => toggle(x.pseudonym, e.currentTarget.checked)}
          />{' '}
          {x.name ? `${x.name}（${x.pseudonym}）` : x.pseudonym}
        </label>
      ))}
      <RequiredText name="note" label={ta('actionNote')} value={note} onInput={setNote} />
      <button type="submit">{t('confirm')}</button>
    </form>
  );
}
