import { useEffect, useState } from 'preact/hooks';
import { AUDIT_ACTIONS, type AuditAction, type AuditEntry } from '../../../hall-server/auth/audit-actions.ts';
import { formatTime } from '../../i18n/index.ts';
import { request } from '../api.ts';
import { lastError } from '../store.ts';
import type { Role } from '../types.ts';
import { ta } from './audit-log-messages.ts';
import './panels.css';

/** Who may read the audit trail (the server checks: hall-server/routes/audit-log.ts). */
export const AUDIT_LOG_ROLES: readonly Role[] = ['auditor', 'administrator'];

const PAGE = 200;

/** A `datetime-local` value read as venue time (Asia/Shanghai, UTC+8 all year), as epoch ms. */
const venueInstant = (value: string) => (value ? Date.parse(`${value}:00+08:00`) : undefined);

/** One line saying what was looked at or done. */
function what(e: AuditEntry): string {
  const d = e.data as Record<string, unknown>;
  const params = (d.params ?? {}) as Record<string, unknown>;
  const segment = d.segment as { start: number; end: number } | undefined;
  switch (e.type) {
    case 'audit.viewed':
      if (segment) return `${d.camera} ${formatTime(segment.start)}–${formatTime(segment.end)}`;
      if (params.call) return `☎ ${params.call}`;
      return `${d.route}${Object.keys(d.query ?? {}).length ? ` ${JSON.stringify(d.query)}` : ''}`;
    case 'tracking.trajectory-viewed':
      return `${d.person ?? d.badge} ${formatTime(Number(d.from))}–${formatTime(Number(d.to))} (${d.points})`;
    case 'audit.names-viewed':
      return `${(d.pseudonyms as string[]).join(', ')} · ${d.purpose}`;
    case 'evidence.exported':
      return `SHA-256 ${String(d.sha256).slice(0, 16)}… · ${Math.round(Number(d.bytes) / 1024)} KiB`;
    default:
      return [d.method, d.route, d.status, e.subject].filter((x) => x !== undefined && x !== null).join(' ');
  }
}

interface Filter {
  actor: string;
  action: AuditAction | '';
  session: string;
  from: string;
  to: string;
}

function query(filter: Filter, before?: number): string {
  const q = new URLSearchParams({ limit: String(PAGE) });
  if (filter.actor) q.set('actor', filter.actor);
  if (filter.action) q.set('action', filter.action);
  if (filter.session) q.set('session', filter.session);
  const from = venueInstant(filter.from);
  const to = venueInstant(filter.to);
  if (from !== undefined) q.set('from', String(from));
  if (to !== undefined) q.set('to', String(to));
  if (before !== undefined) q.set('before', String(before));
  return `/api/audit-log?${q}`;
}

/**
 * The audit log viewer (auditors, administrators): who viewed, replayed, exported or saw names, newest first,
 * filtered by person, action, session and time. Reading it is itself recorded.
 */
export function AuditLogPage() {
  const [draft, setDraft] = useState<Filter>({ actor: '', action: '', session: '', from: '', to: '' });
  const [filter, setFilter] = useState(draft);
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [more, setMore] = useState(false);
  const load = (before?: number) =>
    request<AuditEntry[]>(query(filter, before))
      .then((page) => {
        setEntries((shown) => (before === undefined ? page : [...shown, ...page]));
        setMore(page.length === PAGE);
      })
      .catch((err: Error) => (lastError.value = err.message));
  useEffect(() => void load(), [filter]);
  const field = (name: Exclude<keyof Filter, 'action'>) => ({
    value: draft[name],
    'data-testid': `audit-${name}`,
    onInput: (e: Event) => setDraft({ ...draft, [name]: (e.currentTarget as HTMLInputElement).value }),
  });
  return (
    <section class="audit-log">
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setFilter(draft);
        }}
      >
        <label>
          {ta('person')} <input {...field('actor')} />
        </label>
        <label>
          {ta('action')}{' '}
          <select
            data-testid="audit-action"
            value={draft.action}
            onChange={(e) => setDraft({ ...draft, action: e.currentTarget.value as AuditAction | '' })}
          >
            <option value="">{ta('anyAction')}</option>
            {AUDIT_ACTIONS.map((a) => (
              <option key={a} value={a}>
                {ta(a)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {ta('session')} <input {...field('session')} />
        </label>
        <label>
          {ta('from')} <input type="datetime-local" {...field('from')} />
        </label>
        <label>
          {ta('to')} <input type="datetime-local" {...field('to')} />
        </label>
        <button type="submit" data-testid="audit-apply">
          {ta('apply')}
        </button>
      </form>
      {entries.length === 0 ? (
        <p class="empty">{ta('none')}</p>
      ) : (
        <table class="audit-table">
          <thead>
            <tr>
              <th>{ta('time')}</th>
              <th>{ta('person')}</th>
              <th>{ta('action')}</th>
              <th>{ta('session')}</th>
              <th>{ta('what')}</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.seq} data-testid="audit-row" data-action={e.action} data-seq={e.seq}>
                <td>{formatTime(e.at, 'datetime')}</td>
                <td>{e.actor ?? e.subject ?? '—'}</td>
                <td class={`audit-${e.action}`}>{ta(e.action)}</td>
                <td>{e.session ?? '—'}</td>
                <td class="hint">{what(e)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {more && (
        <button type="button" onClick={() => void load(entries.at(-1)!.seq)}>
          {ta('older')}
        </button>
      )}
    </section>
  );
}
