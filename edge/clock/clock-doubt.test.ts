import { describe, expect, it } from 'vitest';
import { type ClockEvent, clockDoubtAt, clockDoubtSpans } from './clock-doubt.ts';

const checked = (seq: number, verdict: string, offsetMs: number | null = null): ClockEvent => ({
  seq,
  type: 'clock.checked',
  subject: 'host-clock',
  data: { source: 'chrony', synchronised: verdict !== 'unsynchronised', offsetMs, verdict },
});
const jumped = (seq: number, byMs: number): ClockEvent => ({
  seq,
  type: 'clock.jumped',
  subject: 'host-clock',
  data: { byMs },
});
const resolved = (seq: number, subject = 'host-clock'): ClockEvent => ({
  seq,
  type: 'alarm.resolved',
  subject,
  data: { alarmId: 'a', note: 'checked' },
});

describe('clockDoubtSpans: which events carry doubtful times', () => {
  it.each([
    { name: 'a good clock all along', events: [checked(3, 'ok')], spans: [] },
    {
      name: 'unsynchronised until synchronised again',
      events: [checked(3, 'ok'), checked(10, 'unsynchronised'), checked(20, 'ok')],
      spans: [{ fromSeq: 10, toSeq: 19, reason: 'unsynchronised' }],
    },
    {
      name: 'drift still open',
      events: [checked(5, 'drift', 2500)],
      spans: [{ fromSeq: 5, toSeq: null, reason: 'drift', byMs: 2500 }],
    },
    {
      name: 'a jump, until a witness resolves its alarm',
      events: [jumped(7, -3_600_000), resolved(12, 'door-1'), resolved(15)],
      spans: [{ fromSeq: 7, toSeq: 14, reason: 'jumped', byMs: -3_600_000 }],
    },
    {
      name: 'a jump inside an unsynchronised span starts its own, closed by the next good check',
      events: [checked(2, 'unsynchronised'), jumped(6, 5000), checked(9, 'ok')],
      spans: [
        { fromSeq: 2, toSeq: 5, reason: 'unsynchronised' },
        { fromSeq: 6, toSeq: 8, reason: 'jumped', byMs: 5000 },
      ],
    },
    {
      name: 'an unknown verdict (no time daemon) neither opens nor closes',
      events: [checked(2, 'drift', -1800), checked(4, 'unknown'), checked(6, 'ok')],
      spans: [{ fromSeq: 2, toSeq: 5, reason: 'drift', byMs: -1800 }],
    },
    {
      name: 'events given out of order are read by seq',
      events: [checked(20, 'ok'), checked(10, 'unsynchronised')],
      spans: [{ fromSeq: 10, toSeq: 19, reason: 'unsynchronised' }],
    },
  ])('$name', ({ events, spans }) => {
    expect(clockDoubtSpans(events)).toEqual(spans);
  });

  it('answers for one event', () => {
    const spans = clockDoubtSpans([checked(10, 'unsynchronised'), checked(20, 'ok'), jumped(30, 2000)]);
    expect([9, 10, 19, 20, 29, 30, 1000].map((seq) => clockDoubtAt(spans, seq)?.reason ?? null)).toEqual([
      null,
      'unsynchronised',
      'unsynchronised',
      null,
      null,
      'jumped',
      'jumped',
    ]);
  });
});
