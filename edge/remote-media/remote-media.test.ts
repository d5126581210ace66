import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { DomainError } from '../domain-error.ts';
import { FragmentFramer } from './fragment-framer.ts';
import { guestCamera } from './guest-supplier.ts';
import { mayWatchGuestRoom } from './host-viewing.ts';
import { checkMediaGrant, GRANT_TTL_MS, signMediaGrant } from './media-grant.ts';
import { RELAY_MAX_BUFFERED, relayUnit } from './relay-protocol.ts';

const hub = generateKeyPairSync('ed25519');
const forger = generateKeyPairSync('ed25519');
const T0 = 1_800_000_000_000;
const fields = {
  kind: 'remote-live' as const,
  relay: 'r'.repeat(24),
  host: 'jincheng',
  guest: 'gaoping',
  session: 'S1',
  camera: 'cam-room-1',
};

describe('media grant: signed by the hub, for this venue, current', () => {
  const good = signMediaGrant(hub.privateKey, fields, T0);
  const cases: [string, unknown, number, string | null][] = [
    ['a grant the hub signed, in time', good, T0 + 1000, null],
    ['one the hub did not sign', signMediaGrant(forger.privateKey, fields, T0), T0, '/signature: not signed'],
    [
      'a signed one altered after signing (another session)',
      { ...good, grant: { ...good.grant, session: 'S2' } },
      T0,
      '/signature: not signed',
    ],
    [
      'one for another venue',
      signMediaGrant(hub.privateKey, { ...fields, guest: 'yangcheng' }, T0),
      T0,
      '/grant/guest',
    ],
    ['an expired one', good, T0 + GRANT_TTL_MS + 1, '/grant/expiresAt: expired'],
    ['one issued in the future', good, T0 - 60_000, '/grant/issuedAt: in the future'],
    ['one without a session', { ...good, grant: { ...good.grant, session: undefined } }, T0, '/grant: must have'],
    [
      'one asking for another kind of media',
      { ...good, grant: { ...good.grant, kind: 'recording' } },
      T0,
      '/grant/kind',
    ],
    ['not a grant at all', 'please stream', T0, 'media grant /: must be object'],
  ];
  it.each(cases)('%s', (_what, raw, now, error) => {
    const result = checkMediaGrant(raw, hub.publicKey, 'gaoping', now);
    if (error === null) expect(result).toEqual({ ok: true, grant: good.grant });
    else expect(result.ok ? null : result.error).toContain(error);
  });

  it('is refused where no platform key is installed', () => {
    expect(checkMediaGrant(good, null, 'gaoping', T0)).toEqual({
      ok: false,
      error: 'no platform public key is installed',
    });
  });
});

describe('guest rule: a session held here, hosted by the grant’s venue, live, a camera of its room', () => {
  const session = { room: 'room-1', state: 'in-progress' as const, remote: { hostVenue: 'jincheng', hostRoom: null } };
  const grant = { host: 'jincheng', session: 'S1', camera: null };
  const cases: [string, Parameters<typeof guestCamera>, string][] = [
    ['the room’s first camera when none is named', [grant, session, ['cam-room-1', 'cam-room-1b']], 'cam-room-1'],
    ['the camera named', [{ ...grant, camera: 'cam-room-1b' }, session, ['cam-room-1', 'cam-room-1b']], 'cam-room-1b'],
    ['no such session here', [grant, null, []], 'session: no session S1 here'],
    [
      'a local session',
      [grant, { ...session, remote: null }, ['cam-room-1']],
      'session: S1 is not hosted elsewhere, not by jincheng',
    ],
    [
      'a session this venue hosts itself',
      [grant, { ...session, remote: { guests: [{ venue: 'jincheng', room: 'room-1' }] } }, ['cam-room-1']],
      'session: S1 is not hosted elsewhere, not by jincheng',
    ],
    [
      'a session hosted by another venue',
      [grant, { ...session, remote: { hostVenue: 'lingchuan', hostRoom: null } }, ['cam-room-1']],
      'session: S1 is hosted by lingchuan, not by jincheng',
    ],
    ['a completed session', [grant, { ...session, state: 'completed' }, ['cam-room-1']], 'session: S1 is completed'],
    [
      'a camera of another room',
      [{ ...grant, camera: 'cam-hall' }, session, ['cam-room-1']],
      'camera: cam-hall is not in room room-1',
    ],
    ['a room without a camera', [grant, session, []], 'camera: room room-1 has no camera'],
  ];
  it.each(cases)('%s', (_what, args, expected) => {
    const result = guestCamera(...args);
    expect(result.ok ? result.device : result.error).toBe(expected);
  });
});

describe('host rule: staff of a session hosted here that names the guest room', () => {
  const hosted = {
    staff: [{ id: 'w01', role: 'witness' as const }],
    remote: { guests: [{ venue: 'gaoping', room: 'room-2' }] },
  };
  const target = { session: 'S1', guest: 'gaoping' };
  const cases: [string, Parameters<typeof mayWatchGuestRoom>, string | null][] = [
    ['its witness', [hosted, target, 'w01'], null],
    ['a user not on its staff', [hosted, target, 'w02'], 'forbidden'],
    ['no such session', [null, target, 'w01'], 'not-found'],
    ['a venue that is not its guest', [hosted, { ...target, guest: 'yangcheng' }, 'w01'], 'not-found'],
    ['a session without guest rooms', [{ ...hosted, remote: null }, target, 'w01'], 'not-found'],
    [
      'a session hosted elsewhere (this venue is its guest)',
      [{ ...hosted, remote: { hostVenue: 'gaoping', hostRoom: null } }, target, 'w01'],
      'not-found',
    ],
  ];
  it.each(cases)('%s', (_what, args, kind) => {
    const refused = (() => {
      try {
        mayWatchGuestRoom(...args);
        return null;
      } catch (err) {
        return (err as DomainError).kind;
      }
    })();
    expect(refused).toBe(kind);
  });
});

/** 3 s of fragmented MP4 as the live hub asks ffmpeg for it (a fragment per keyframe, one a second). */
const fmp4 = execFileSync(
  'ffmpeg',
  [
    ...['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=10', '-t', '3', '-c:v', 'libx264'],
    ...['-g', '10', '-f', 'mp4', '-movflags', 'frag_keyframe+empty_moov+default_base_moof', 'pipe:1'],
  ],
  { maxBuffer: 64 << 20 },
);

describe('fragment framer', () => {
  it('regroups the stream into the init segment and whole fragments, however the pipe cuts it', () => {
    for (const size of [1, 7, 4096, fmp4.length]) {
      const framer = new FragmentFramer();
      const units = [];
      for (let at = 0; at < fmp4.length; at += size) units.push(...framer.push(fmp4.subarray(at, at + size)));
      expect(units.map((u) => u.kind)).toEqual(['init', 'fragment', 'fragment', 'fragment']);
      // Every byte but ffmpeg's closing index (mfra), which no live viewer waits for.
      const framed = Buffer.concat(units.map((u) => u.bytes));
      expect(framed.equals(fmp4.subarray(0, framed.length))).toBe(true);
      expect(fmp4.toString('latin1', framed.length + 4, framed.length + 8)).toBe('mfra');
      expect(units[0]!.bytes.toString('latin1', 4, 8)).toBe('ftyp');
      for (const u of units.slice(1)) expect(u.bytes.toString('latin1', 4, 8)).toBe('moof');
    }
  });

  it('refuses a header no MP4 writer produces', () => {
    expect(() => new FragmentFramer().push(Buffer.from([0, 0, 0, 4, 0x6d, 0x6f, 0x6f, 0x66]))).toThrow(/'moof'/);
  });
});

describe('a slow hop skips whole fragments, never the init segment', () => {
  const hop = (bufferedAmount: number) => {
    const sent: Buffer[] = [];
    return { sent, bufferedAmount, send: (b: Buffer | string) => void sent.push(b as Buffer) };
  };
  const cases: [string, number, boolean, boolean][] = [
    ['a fragment on a hop that keeps up', RELAY_MAX_BUFFERED - 1, false, true],
    ['a fragment on a hop that fell behind', RELAY_MAX_BUFFERED, false, false],
    ['the init segment on a hop that fell behind', RELAY_MAX_BUFFERED * 4, true, true],
  ];
  it.each(cases)('%s', (_what, buffered, init, sends) => {
    const h = hop(buffered);
    expect(relayUnit(h, Buffer.from('x'), init)).toBe(sends);
    expect(h.sent).toHaveLength(sends ? 1 : 0);
  });
});
