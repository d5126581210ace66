import { useState } from 'preact/hooks';
import { NOTICE_TEMPLATES, type NoticeTemplate } from '../../../edge/displays/notice-templates.ts';
import { locale } from '../../i18n/index.ts';
import { ta } from '../action-messages.ts';
import { request } from '../api.ts';
import { t } from '../messages.ts';
import { lastError, venue } from '../store.ts';
import type { BoardSession } from '../types.ts';

const TEMPLATE_IDS = Object.keys(NOTICE_TEMPLATES) as NoticeTemplate[];

/** The parameters a template's text asks for ({seat}, {pseudonym}, {minutes}). */
const paramsOf = (template: NoticeTemplate) =>
  [...NOTICE_TEMPLATES[template].zh.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);

/** A required choice of a template parameter among what the room and session offer. */
function ParamChoice(props: {
  name: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  options: [string, string][];
}) {
  return (
    <select
      name={props.name}
      aria-label={props.label}
      required
      value={props.value}
      onChange={(e) => props.onChange(e.currentTarget.value)}
    >
      <option value="">{props.label}</option>
      {props.options.map(([value, label]) => (
        <option key={value} value={value}>
          {label}
        </option>
      ))}
    </select>
  );
}

/**
 * A notice to the session's room boards from a template: people only by seat number or pseudonym, so no name
 * can reach a board (the edge checks again, edge/displays/name-guard.ts). Shows which boards acknowledged it.
 */
export function DisplayNotice({ session }: { session: BoardSession }) {
  const [open, setOpen] = useState(false);
  const [template, setTemplate] = useState<NoticeTemplate>('to-witness-room');
  const [params, setParams] = useState<Record<string, string>>({});
  const [result, setResult] = useState<string | null>(null);
  const seats = venue.value?.zones.find((z) => z.id === session.room)?.seats ?? [];
  if (!open)
    return (
      <button type="button" data-action="display-notice" onClick={() => setOpen(true)}>
        {ta('noticeOpen')}
      </button>
    );
  const wanted = paramsOf(template);
  const set = (key: string, value: string) => setParams({ ...params, [key]: value });
  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      const report = await request<{ delivered: string[]; undelivered: { display: string }[] }>(
        '/api/displays/notices',
        { body: { target: session.room, template, params: Object.fromEntries(wanted.map((k) => [k, params[k]])) } },
      );
      setResult(ta('noticeResult', { ok: report.delivered.length, failed: report.undelivered.length }));
    } catch (err) {
      lastError.value = (err as Error).message;
    }
  };
  return (
    <form class="inline-form display-notice" data-form="display-notice" onSubmit={(e) => void submit(e)}>
      <b>{ta('noticeTitle')}</b>
      <select
        name="template"
        aria-label={ta('noticeTemplate')}
        value={template}
        onChange={(e) => {
          setTemplate(e.currentTarget.value as NoticeTemplate);
          setResult(null);
        }}
      >
        {TEMPLATE_IDS.map((id) => (
          <option key={id} value={id}>
            {NOTICE_TEMPLATES[id][locale.value === 'en' ? 'en' : 'zh']}
          </option>
        ))}
      </select>
      {wanted.includes('seat') && (
        <ParamChoice
          name="seat"
          label={ta('noticeSeat')}
          value={params.seat ?? ''}
          onChange={(v) => set('seat', v)}
          options={seats.map((x) => [x.id, ta('seatNumber', { n: x.id.replace(/^s/, '') })])}
        />
      )}
      {wanted.includes('pseudonym') && (
        <ParamChoice
          name="pseudonym"
          label={ta('noticePseudonym')}
          value={params.pseudonym ?? ''}
          onChange={(v) => set('pseudonym', v)}
          options={session.experts.map((x) => [x.pseudonym, x.pseudonym])}
        />
      )}
      {wanted.includes('minutes') && (
        <input
          name="minutes"
          type="number"
          min={1}
          max={240}
          required
          aria-label={ta('noticeMinutes')}
          placeholder={ta('noticeMinutes')}
          value={params.minutes ?? ''}
          onInput={(e) => set('minutes', e.currentTarget.value)}
        />
      )}
      <button type="submit">{ta('noticeSend')}</button>
      <button type="button" class="link" onClick={() => setOpen(false)}>
        {t('close')}
      </button>
      {result && (
        <span class="hint" data-testid="notice-result">
          {result}
        </span>
      )}
    </form>
  );
}
