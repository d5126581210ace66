// The city bench's load is a venue's real record: every generated event is one the event log accepts, and what
// goes up of it is the redacted view the hub really receives.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../edge/store/database.ts';
import { EventLog } from '../../edge/store/event-log.ts';
import { toUpstream } from '../../edge/sync/upstream-projection.ts';
import { tempDir } from '../../test/venue-harness.ts';
import { BUSY_RATE, EVENTS_PER_VENUE_DAY, segmentEvent, sessionEvent } from './venue-day.ts';

const dir = tempDir('halledge-venue-day-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a busy venue day (bench/city)', () => {
  it('derives its rate from the design anchors: 3 sessions × 100,000 events / 4 h + 16 cameras / 10 s', () => {
    expect(BUSY_RATE).toBeCloseTo(300_000 / 14_400 + 1.6, 6);
    expect(EVENTS_PER_VENUE_DAY).toBe((8 * 300_000) / 4 + 24 * 3600 * 1.6);
  });

  it('records as a venue would, and uploads zone moves, doors and segments as the projection allows', () => {
    const log = new EventLog(openDatabase(join(dir, 'venue.db')), 'venue-001');
    const events = log.appendMany([
      ...Array.from({ length: 1000 }, (_, i) => sessionEvent(i)),
      ...Array.from({ length: 80 }, (_, i) => segmentEvent(i)),
    ]);
    const types = new Map<string, number>();
    for (const e of events) types.set(e.type, (types.get(e.type) ?? 0) + 1);
    // One session event in 50 is a marker; the rest are zone moves.
    expect((types.get('tracking.zone-entered') ?? 0) + (types.get('tracking.zone-left') ?? 0)).toBe(980);
    expect(types.get('video.segment')).toBe(80);

    const up = events.map((e) => toUpstream(e, (id) => `p-${id}`));
    const byType = (type: string) => up.find((e) => e.type === type)!;
    expect(byType('video.segment')).toMatchObject({ subject: null, actor: null, body: null });
    expect(byType('tracking.zone-entered').body).toEqual({
      zone: 'room-3',
      zoneType: 'evaluation-room',
      badge: 'badge-2',
      person: 'EX-2',
      enteredAt: 1_767_000_000_002,
    });
    // A door decision goes up without the credential it was taken on.
    expect(byType('access.granted').body).not.toHaveProperty('credential');
    log.db.close();
  });
});
