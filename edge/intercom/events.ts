// Intercom calls (专家对讲) between a room's station and the witness consoles; every call is logged and its
// audio recorded and bound to the session. Calls go upstream as ids, times and outcomes only (a remote session's
// host sees its guest rooms' calls through the hub); the audio, its file and free-text reasons stay here.
import { Type as T } from '@sinclair/typebox';
import { defineEvents, Literals } from '../store/event-spec.ts';

const call = <P extends Parameters<typeof T.Object>[0]>(properties: P) =>
  T.Object({ callId: T.String(), ...properties }, { additionalProperties: false });

export const intercomEvents = defineEvents({
  'intercom.call-started': {
    description: 'a call started ringing (from a room, or a console calling a room)',
    data: call({
      room: T.String(),
      station: T.String(),
      direction: Literals(['from-room', 'to-room']),
      console: T.String(),
    }),
    upstream: {
      actor: 'pseudonymise',
      body: { callId: 'id', room: 'id', station: 'id', direction: 'id', console: 'id' },
    },
  },
  'intercom.call-escalated': {
    description: 'an unanswered call moved on to the next console',
    data: call({ from: T.String(), to: T.String(), afterMs: T.Number() }),
    upstream: { actor: 'keep', body: { callId: 'id', from: 'id', to: 'id' } },
  },
  'intercom.call-answered': {
    description: 'a console answered a call (how long it rang)',
    data: call({ console: T.String(), waitedMs: T.Number() }),
    upstream: { actor: 'pseudonymise', body: { callId: 'id', console: 'id', waitedMs: 'int' } },
  },
  'intercom.call-ended': {
    description: 'a call ended (who hung up, why, how long it talked)',
    data: call({ reason: T.String(), answered: T.Boolean(), durationS: T.Number() }),
    upstream: { actor: 'pseudonymise', body: { callId: 'id', answered: 'bool', durationS: 'int' } },
  },
  'intercom.recording': {
    description: "a call's audio recording was kept (file, size, SHA-256, duration)",
    data: call({
      file: T.String(),
      bytes: T.Integer(),
      sha256: T.String(),
      seconds: T.Number(),
      codec: T.String(),
      channels: T.Array(Literals(['station', 'console'])),
    }),
  },
});

export type IntercomEventType = keyof typeof intercomEvents;
