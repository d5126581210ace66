// The hub's scheduling of a remote session as pure code: which venue gets which side of it, and the operator's
// token check.
import { describe, expect, it } from 'vitest';
import { operatorTokenValid, type RemoteSessionInput, remoteSchedules } from './routes.ts';

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
