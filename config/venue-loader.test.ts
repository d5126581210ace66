import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { JINCHENG_VENUES, loadVenue, parseVenue, VenueConfigError, venueFile } from './venue-loader.ts';

const jincheng = () => parse(readFileSync(venueFile('jincheng'), 'utf8'));

function problemsOf(raw: unknown): string[] {
  try {
    parseVenue(raw, 'test.yaml');
  } catch (err) {
    if (err instanceof VenueConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected the venue to be rejected');
}

describe('venue files', () => {
  it.each(JINCHENG_VENUES)('%s is valid and has an evaluation zone with rooms, gates and cameras', (id) => {
    const venue = loadVenue(venueFile(id));
    expect(venue.id).toBe(id);
    const rooms = venue.zones.filter((z) => z.type === 'evaluation-room');
    expect(rooms.length).toBeGreaterThanOrEqual(2);
    for (const room of rooms) {
      expect(venue.devices.some((d) => d.kind === 'door' && d.door === `door-${room.id}`)).toBe(true);
      expect(venue.cameras.some((c) => c.zone === room.id && c.dataClass === 'evaluation-room')).toBe(true);
    }
    expect(venue.devices.filter((d) => d.kind === 'face-terminal')).toHaveLength(1);
  });

  it('names the field path and reason for a wrong type', () => {
    const raw = jincheng();
    raw.devices[2].kind = 'toaster';
    raw.zones[0].polygon = [[0, 0]];
    const problems = problemsOf(raw);
    expect(problems).toContain('/devices/2/kind: must be equal to one of the allowed values');
    expect(problems).toContain('/zones/0/polygon: must NOT have fewer than 3 items');
  });

  it('names a wrong check-in evidence setting', () => {
    const raw = jincheng();
    raw.checkin = { evidence: { keepCheckinPhoto: 'yes', retentionDays: 0 } };
    const problems = problemsOf(raw);
    expect(problems).toContain('/checkin/evidence/keepCheckinPhoto: must be boolean');
    expect(problems).toContain('/checkin/evidence/retentionDays: must be >= 1');
    raw.checkin = { challenge: 'wink', limits: { frames: 9 } };
    expect(problemsOf(raw)).toEqual(
      expect.arrayContaining([
        '/checkin/challenge: must be equal to one of the allowed values',
        '/checkin/limits/frames: must be <= 5',
      ]),
    );
  });

  it('names a wrong access setting', () => {
    const raw = jincheng();
    raw.access = { lateEntryMin: 0, grantExpiryS: 2, requestMaxAgeS: 'five' };
    const problems = problemsOf(raw);
    expect(problems).toContain('/access/lateEntryMin: must be >= 1');
    expect(problems).toContain('/access/grantExpiryS: must be >= 5');
    expect(problems).toContain('/access/requestMaxAgeS: must be integer');
  });

  it('names a wrong tracking, shared-zone or device-health setting', () => {
    const raw = jincheng();
    raw.tracking.awayFromRoomS.corridoor = 60;
    raw.tracking.sharedContactS = 0;
    raw.zones[1].shared = 'tiny';
    raw.deviceHealth.restartGraceS = '60';
    const problems = problemsOf(raw);
    expect(problems).toContain('/tracking/awayFromRoomS: must NOT have additional properties "corridoor"');
    expect(problems).toContain('/tracking/sharedContactS: must be >= 1');
    expect(problems).toContain('/zones/1/shared: must be equal to one of the allowed values');
    expect(problems).toContain('/deviceHealth/restartGraceS: must be integer');
  });

  it('names an unknown field', () => {
    const raw = jincheng();
    raw.cameras[0].ptz = true;
    expect(problemsOf(raw)).toContain('/cameras/0: must NOT have additional properties "ptz"');
  });

  it('names dangling references and duplicate ids', () => {
    const raw = jincheng();
    raw.devices[0].door = 'no-such-door';
    raw.devices[1].id = raw.devices[0].id;
    const problems = problemsOf(raw);
    expect(problems).toContain('/devices/0/door: unknown door "no-such-door"');
    expect(problems).toContain('/devices/1/id: "ft-entrance" is already used at /devices/0');
  });

  it('reports an unreadable file with its path', () => {
    expect(() => loadVenue('/nonexistent/venue.yaml')).toThrow(/\/nonexistent\/venue.yaml is not a valid venue file/);
  });
});
