// The hub's scheduling of a remote session as pure code: which venue gets which side of it, and the operator's
// token check.
import { describe, expect, it } from 'vitest';
import type { DownlinkEnvelope } from '../../edge/sync/wire.ts';
import { operatorTokenValid, type RemoteSessionInput, remoteSchedules } from './routes.ts';
import { remoteSessionList } from './session-list.ts';

describe('remote session schedules', () => {
  it('gives the host its guest rooms and each guest venue its host, each only its own experts and staff', () => {
    const input: RemoteSessionInput = {
      id: 'R-1',
      transactionCode: 'TX-1',
      project: { code: 'P-1', name: '项目' },
      start: 1000,
      end: 2000,
      host: {
        venue: 'jincheng',
        room: 'room-1',
        experts: [{ pseudonym: 'E-JC' }],
        staff: [{ id: 'W-1', role: 'witness' }],
      },
      guests: [
        { venue: 'gaoping', room: 'room-2', experts: [{ pseudonym: 'E-GP', seat: 's1' }] },
        { venue: 'qinshui', room: 'room-3', experts: [{ pseudonym: 'E-QS' }] },
      ],
    };
    const common = {
      id: 'R-1',
      transactionCode: 'TX-1',
      project: { code: 'P-1', name: '项目' },
      start: 1000,
      end: 2000,
    };
    expect(remoteSchedules(input)).toEqual([
      {
        venue: 'jincheng',
        payload: {
          sessions: [
            {
              ...common,
              room: 'room-1',
              experts: [{ pseudonym: 'E-JC' }],
              staff: [{ id: 'W-1', role: 'witness' }],
              remote: {
                guests: [
                  { venue: 'gaoping', room: 'room-2' },
                  { venue: 'qinshui', room: 'room-3' },
                ],
              },
            },
          ],
        },
      },
      {
        venue: 'gaoping',
        payload: {
          sessions: [
            {
              ...common,
              room: 'room-2',
              experts: [{ pseudonym: 'E-GP', seat: 's1' }],
              remote: { hostVenue: 'jincheng', hostRoom: 'room-1' },
            },
          ],
        },
      },
      {
        venue: 'qinshui',
        payload: {
          sessions: [
            {
              ...common,
              room: 'room-3',
              experts: [{ pseudonym: 'E-QS' }],
              remote: { hostVenue: 'jincheng', hostRoom: 'room-1' },
            },
          ],
        },
      },
    ]);
  });

  it.each([
    ['the token', 'secret-token', 'Bearer secret-token', true],
    ['another token of the same length', 'secret-token', 'Bearer secret-tokeN', false],
    ['a longer token', 'secret-token', 'Bearer secret-token-2', false],
    ['no scheme', 'secret-token', 'secret-token', false],
    ['no header', 'secret-token', undefined, false],
    ['no token configured', null, 'Bearer ', false],
  ] as const)('operator token: %s → %s', (_name, expected, header, ok) => {
    expect(operatorTokenValid(expected, header)).toBe(ok);
  });
});

describe('the remote sessions listed from the hosts’ downlink', () => {
  const envelope = (venue: string, issuedAt: number, sessions: unknown[]) =>
    ({ venue, issuedAt, payload: { sessions } }) as DownlinkEnvelope;
  const hosted = (id: string, room: string, start: number) => ({
    id,
    room,
    transactionCode: `TX-${id}`,
    project: { code: 'P-1' },
    start,
    end: start + 1000,
    remote: { guests: [{ venue: 'gaoping', room: 'room-2' }] },
  });

  it('lists each remote session once as last scheduled, newest first, with each venue’s link; skips the rest', () => {
    const list = remoteSessionList(
      [
        envelope('jincheng', 30, [hosted('R-1', 'room-3', 5000)]),
        envelope('jincheng', 10, [hosted('R-1', 'room-1', 1000)]),
        envelope('qinshui', 20, [hosted('R-2', 'room-1', 2000)]),
        // A guest's side, and an ordinary (not remote) schedule: not listed.
        envelope('gaoping', 11, [{ id: 'R-1', room: 'room-2', remote: { hostVenue: 'jincheng', hostRoom: 'room-1' } }]),
        envelope('jincheng', 40, [{ id: 'S-1', room: 'room-1', start: 1, end: 2 }]),
      ],
      (venue) => venue === 'jincheng',
    );
    expect(list).toEqual([
      {
        id: 'R-1',
        transactionCode: 'TX-R-1',
        projectCode: 'P-1',
        start: 5000,
        end: 6000,
        host: { venue: 'jincheng', room: 'room-3', linked: true },
        guests: [{ venue: 'gaoping', room: 'room-2', linked: false }],
        scheduledAt: 30,
      },
      expect.objectContaining({ id: 'R-2', host: { venue: 'qinshui', room: 'room-1', linked: false } }),
    ]);
  });
});
