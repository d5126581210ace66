import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VenueRuntime } from '../../app/start-venue.ts';
import { pageAndScript } from '../../test/built-pages.ts';
import { api, startTestVenue } from '../../test/venue-harness.ts';

let edge: VenueRuntime;
beforeAll(async () => {
  edge = await startTestVenue();
});
afterAll(() => edge.stop());

describe('video REST API on a running venue', () => {
  it('locks footage to a session, shows the timeline, and names the field of a bad request', async () => {
    const now = Date.now();
    const lock = await api(edge, '/api/video/locks', {
      body: { sessionId: 'S-1', cameraId: 'cam-room-1', from: now - 60_000, to: now, until: now + 86_400_000 },
    });
    expect(lock).toEqual({ status: 200, body: { segments: 0 } });
    expect(edge.log.query({ type: 'video.locked' }).at(-1)).toMatchObject({ session: 'S-1', subject: 'cam-room-1' });

    const backwards = await api(edge, '/api/video/locks', {
      body: { sessionId: 'S-1', cameraId: 'cam-room-1', from: now, to: now - 1, until: now + 1 },
    });
    expect(backwards.status).toBe(400);
    expect(backwards.body.error).toMatch(/^to:/);

    const missing = await api(edge, '/api/video/locks', { body: { sessionId: 'S-1', from: 1, to: 2, until: 3 } });
    expect(missing.status).toBe(400);
    expect(JSON.stringify(missing.body)).toContain('cameraId');

    const timeline = await api(edge, `/api/video/timeline/cam-room-1?from=0&to=${now}`);
    expect(timeline).toEqual({ status: 200, body: { segments: [], gaps: [] } });
    expect((await api(edge, '/api/video/timeline/cam-room-1?from=x&to=1')).status).toBe(400);
    // Recording is off in tests (HALLEDGE_RECORD unset): no camera is being recorded.
    expect((await api(edge, '/api/video/cameras')).body).toEqual([]);
  });

  it('serves the live page, its player and jsmpeg without sign-in (pages hold no data)', async () => {
    const { page, script } = await pageAndScript(edge.httpUrl, '/live/?cameras=cam-room-1');
    expect(page.status).toBe(200);
    expect(script.headers.get('content-type')).toContain('javascript');
    // The player loads jsmpeg from beside its own chunk (the build puts it there), only when a tile needs it.
    expect(await script.text()).toContain('/api/video/live/');
    const jsmpeg = await fetch(new URL('jsmpeg-player.js', script.url));
    expect(await jsmpeg.text()).toContain('export { JSMpeg as default }');
    // The stream itself is not open: the live WebSocket route needs a signed-in user.
    expect((await fetch(`${edge.httpUrl}/api/video/live/cam-room-1`)).status).toBe(401);
  });
});
