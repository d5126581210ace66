import { expect, it } from 'vitest';
import { CARD_READ_TTL_MS, CardReads } from './card-reads.ts';

const card = (idNumber: string) => ({ idNumber, photo: 'AAAA' });

it('hands each terminal its own latest card read once per page position, while it is fresh', () => {
  let now = 1_000_000;
  const reads = new CardReads(() => now);
  const start = reads.position;
  reads.put('ft-a', card('110101199001011234'));
  reads.put('ft-b', card('110101199001015678'));
  const cases: [string, string, number, string | null][] = [
    ['its own read', 'ft-a', start, '110101199001011234'],
    ['another terminal’s read', 'ft-b', start, '110101199001015678'],
    ['no read for a terminal', 'ft-c', start, null],
    ['a read the page already saw', 'ft-a', reads.position, null],
  ];
  for (const [what, terminal, after, expected] of cases)
    expect([what, reads.readAfter(terminal, after)?.idNumber ?? null]).toEqual([what, expected]);
  // A read older than the expert would stand at the terminal is not handed out.
  now += CARD_READ_TTL_MS + 1;
  expect(reads.readAfter('ft-a', start)).toBeNull();
});

it('answers a waiting page when its terminal reads a card, and a page whose request ends with nothing', async () => {
  const reads = new CardReads();
  const after = reads.position;
  const waiting = reads.next('ft-a', after, 30_000);
  reads.put('ft-b', card('110101199001015678'));
  reads.put('ft-a', card('110101199001011234'));
  expect(await waiting).toMatchObject({ idNumber: '110101199001011234', seq: after + 2 });
  const aborted = new AbortController();
  const gone = reads.next('ft-a', reads.position, 30_000, aborted.signal);
  aborted.abort();
  expect(await gone).toBeNull();
});
