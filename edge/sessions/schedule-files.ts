import { readFileSync } from 'node:fs';
import { DomainError } from '../domain-error.ts';

/**
 * Schedule files an administrator may import. JSON: `{ "sessions": [SessionInput…] }` or a bare array.
 * CSV (UTF-8, header row, one session per row):
 *   id,transactionCode,projectCode,projectName,room,start,end,experts,staff,remoteHost,remoteRoom
 * experts: `E001:s1;E002:s2` (pseudonym:seat), staff: `W01:witness;A01:agent` (id:role); id and remote* may be empty.
 */
export const CSV_COLUMNS = [
  'id',
  'transactionCode',
  'projectCode',
  'projectName',
  'room',
  'start',
  'end',
  'experts',
  'staff',
  'remoteHost',
  'remoteRoom',
] as const;

/** RFC 4180 records: quoted fields may hold commas, quotes ("") and newlines. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const src = text.replace(/^\uFEFF/, ''); // Excel writes a BOM
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (quoted) {
      if (c === '"' && src[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && src[i + 1] === '\n') i++;
      row.push(field);
      field = '';
      if (row.some((f) => f !== '')) rows.push(row);
      row = [];
    } else field += c;
  }
  if (quoted) throw new DomainError('invalid', 'CSV: a quoted field is not closed');
  row.push(field);
  if (row.some((f) => f !== '')) rows.push(row);
  return rows;
}

function pairs(cell: string, line: number, column: string): [string, string | undefined][] {
  return cell
    .split(';')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      const [a, b, ...rest] = p.split(':');
      if (!a || rest.length > 0)
        throw new DomainError('invalid', `CSV line ${line}, ${column}: "${p}" is not id:value`);
      return [a.trim(), b?.trim() || undefined];
    });
}

/** Turns CSV rows into session inputs (not yet validated: the service validates every input the same way). */
export function sessionsFromCsv(text: string): unknown[] {
  const [header, ...rows] = parseCsv(text);
  if (!header) throw new DomainError('invalid', 'CSV is empty');
  const names = header.map((h) => h.trim());
  const missing = CSV_COLUMNS.filter((c) => !['id', 'staff', 'remoteHost', 'remoteRoom'].includes(c)).filter(
    (c) => !names.includes(c),
  );
  if (missing.length) throw new DomainError('invalid', `CSV header lacks column(s): ${missing.join(', ')}`);
  const unknown = names.filter((n) => !(CSV_COLUMNS as readonly string[]).includes(n));
  if (unknown.length) throw new DomainError('invalid', `CSV header has unknown column(s): ${unknown.join(', ')}`);
  return rows.map((cells, i) => {
    const line = i + 2;
    const get = (c: (typeof CSV_COLUMNS)[number]) => cells[names.indexOf(c)]?.trim() ?? '';
    const remoteHost = get('remoteHost');
    return {
      ...(get('id') ? { id: get('id') } : {}),
      transactionCode: get('transactionCode'),
      project: { code: get('projectCode'), name: get('projectName') },
      room: get('room'),
      start: get('start'),
      end: get('end'),
      experts: pairs(get('experts'), line, 'experts').map(([pseudonym, seat]) =>
        seat ? { pseudonym, seat } : { pseudonym },
      ),
      staff: pairs(get('staff'), line, 'staff').map(([id, role]) => ({ id, role: role ?? '' })),
      ...(remoteHost
        ? { remote: { hostVenue: remoteHost, ...(get('remoteRoom') ? { hostRoom: get('remoteRoom') } : {}) } }
        : {}),
    };
  });
}

/** JSON payloads carry `{sessions: [...]}` (the platform's push) or a bare array (a file). */
export function sessionsFromJson(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (value && typeof value === 'object' && Array.isArray((value as { sessions?: unknown }).sessions)) {
    return (value as { sessions: unknown[] }).sessions;
  }
  throw new DomainError('invalid', 'JSON schedule must be an array of sessions or {"sessions": [...]}');
}

export function readScheduleFile(file: string): unknown[] {
  const text = readFileSync(file, 'utf8');
  if (file.toLowerCase().endsWith('.csv')) return sessionsFromCsv(text);
  try {
    return sessionsFromJson(JSON.parse(text));
  } catch (err) {
    if (err instanceof DomainError) throw err;
    throw new DomainError('invalid', `${file} is not JSON: ${(err as Error).message}`);
  }
}
