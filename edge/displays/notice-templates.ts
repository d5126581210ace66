/**
 * Display notices a witness sends. People appear only as a seat number or a pseudonym, never by name: the
 * templates take nothing else, and free text is checked against the experts' names (name-guard.ts).
 */
export const NOTICE_TEMPLATES = {
  'to-witness-room': { zh: '请{seat}号座专家到见证室', en: 'Expert in seat {seat}, please come to the witness room' },
  'to-witness-room-by-pseudonym': {
    zh: '请专家{pseudonym}到见证室',
    en: 'Expert {pseudonym}, please come to the witness room',
  },
  'back-to-room': { zh: '请{seat}号座专家回到评标室', en: 'Expert in seat {seat}, please return to the room' },
  'session-starting': { zh: '评标即将开始，请各位专家入座', en: 'Evaluation is about to start, please be seated' },
  break: { zh: '休息{minutes}分钟，请勿离开评标区', en: '{minutes} minutes break, please stay in the zone' },
} as const;
export type NoticeTemplate = keyof typeof NOTICE_TEMPLATES;

const PSEUDONYM = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;

/** Each parameter a template may take: its check, and how it reads on the board. */
const PARAMS: Record<string, (value: string, seats: string[] | null) => { show: string } | { error: string }> = {
  seat: (value, seats) => {
    if (seats === null) return { error: 'a seat number needs a room as target' };
    const id = /^\d+$/.test(value) ? `s${value}` : value;
    if (!seats.includes(id)) return { error: `"${value}" is not a seat of the room (${seats.join(', ')})` };
    return { show: id.replace(/^s/, '') };
  },
  pseudonym: (value) =>
    PSEUDONYM.test(value) ? { show: value } : { error: 'a pseudonym is letters, digits, - and _ (at most 32)' },
  minutes: (value) =>
    /^\d{1,3}$/.test(value) && Number(value) >= 1 && Number(value) <= 240
      ? { show: String(Number(value)) }
      : { error: 'minutes: 1 to 240' },
};

/**
 * The notice's text (zh-CN, what the boards show) and the field a name check refers to, or an error naming
 * the field. `seats`: the target room's seats, null when the notice goes to every display.
 */
export function renderNotice(
  template: string,
  params: Record<string, string | number>,
  seats: string[] | null,
): { text: string; field: string } | { error: string } {
  if (!Object.hasOwn(NOTICE_TEMPLATES, template))
    return { error: `template: "${template}" is not one of ${Object.keys(NOTICE_TEMPLATES).join(', ')}` };
  const pattern: string = NOTICE_TEMPLATES[template as NoticeTemplate].zh;
  const wanted = [...pattern.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  for (const key of Object.keys(params))
    if (!wanted.includes(key))
      return { error: `params/${key}: template ${template} takes ${wanted.join(', ') || 'none'}` };
  let text = pattern;
  for (const key of wanted) {
    if (params[key] === undefined) return { error: `params/${key}: template ${template} needs it` };
    const shown = PARAMS[key]!(String(params[key]).trim(), seats);
    if ('error' in shown) return { error: `params/${key}: ${shown.error}` };
    text = text.replace(`{${key}}`, shown.show);
  }
  return { text, field: wanted.includes('pseudonym') ? 'params/pseudonym' : 'template' };
}
