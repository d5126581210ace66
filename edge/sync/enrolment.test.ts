import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { api, eventually, startTestVenue, tempDir, testVenue } from '../../test/venue-harness.ts';
import type { VenueRuntime } from '../runtime.ts';
import { SYNC_TARGET } from './outbox.ts';
import { configureSync, drawnSchedule, startTestPlatform, type TestPlatform } from './sync-fixture.ts';

let city: TestPlatform;
let edge: VenueRuntime | null = null;

beforeEach(async () => {
  city = await startTestPlatform();
});
afterEach(async () => {
  await edge?.stop();
  edge = null;
  await city.stop();
});

describe('silent sync failures are shown and alarmed', () => {
  it('a failed enrolment shows its error, holds the outbox as awaiting enrolment and alarms until it succeeds', async () => {
    const dataDir = tempDir();
    configureSync(dataDir, city.platform, { url: city.http.url, enrolToken: 'not-the-token-the-city-issued' });
    edge = await startTestVenue({ venue: testVenue('qinshui'), dataDir });
    const failed = await eventually(
      () => api(edge!, '/api/sync'),
      (r) => r.body.enrolment === 'failed',
    );
    expect(failed.body.enrolment).toBe('failed');
    expect(failed.body.enrolmentError).toEqual(expect.any(String));
    expect(failed.body.outbox).toMatchObject({ state: 'awaiting-enrolment', lastError: failed.body.enrolmentError });
    expect(edge.alarms.openFor('sync-enrolment-failed', SYNC_TARGET)).toMatchObject({
      level: 2,
      details: { error: failed.body.enrolmentError },
    });

    // The installer puts the right token in; the next start enrols and the alarm resolves.
    await edge.stop();
    configureSync(dataDir, city.platform, { url: city.http.url, enrolToken: city.platform.issueEnrolToken('qinshui') });
    edge = await startTestVenue({ venue: testVenue('qinshui'), dataDir });
    const enrolled = await eventually(
      () => api(edge!, '/api/sync'),
      (r) => r.body.enrolment === 'enrolled',
    );
    expect(enrolled.body).toMatchObject({ enrolment: 'enrolled', enrolmentError: null });
    expect(enrolled.body.outbox.state).not.toBe('awaiting-enrolment');
    expect(edge.alarms.openFor('sync-enrolment-failed', SYNC_TARGET)).toBeNull();

    // A pushed schedule the venue cannot take in full (a double booking) is an alarm naming the sessions.
    const schedule = drawnSchedule('qinshui', { count: 1 });
    schedule.sessions.push({ ...schedule.sessions[0]!, id: 'QINSHUI-CLASH', transactionCode: 'TX-CLASH' });
    city.platform.pushSchedule('qinshui', schedule);
    const alarm = await eventually(() => edge!.alarms.list({ kind: 'schedule-rejected' })[0], Boolean);
    expect(alarm).toMatchObject({ level: 2, state: 'raised' });
    expect(alarm!.details.rejected).toEqual([
      { index: 1, id: 'QINSHUI-CLASH', error: expect.stringMatching(/room-1 is booked .* by session QINSHUI-1/) },
    ]);
  });
});
