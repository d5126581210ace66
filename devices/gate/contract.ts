import { Type as T } from '@sinclair/typebox';
import { StringEnum } from '../../config/json-schema.ts';
import { command, type DeviceContract, event } from '../envelope.ts';

export const Credential = T.Object(
  {
    type: StringEnum(['face', 'id-card', 'badge', 'staff-card']),
    /** Pseudonymous person id as the terminal resolved it, or the card/badge number. */
    value: T.String({ minLength: 1, maxLength: 128 }),
  },
  { additionalProperties: false },
);
export const Direction = StringEnum(['in', 'out']);

/** Door controllers and speed gates speak the same contract; a gate just lets one person through per grant. */
export const passageContract = (kind: 'gate' | 'door', description: string): DeviceContract => ({
  kind,
  description,
  state: T.Object(
    {
      mode: StringEnum(['normal', 'fire-open', 'locked']),
      open: T.Boolean(),
      allowListVersion: T.Optional(T.Integer({ minimum: 0 })),
    },
    { additionalProperties: false },
  ),
  events: {
    'pass-request': event(
      { requestId: T.String({ minLength: 1, maxLength: 64 }), credential: Credential, direction: Direction },
      'someone presents a credential and asks to pass',
    ),
    passage: event(
      {
        direction: Direction,
        count: T.Integer({ minimum: 1, maximum: 20 }),
        grantId: T.Optional(T.String()),
      },
      'people passed the door (sensor count)',
    ),
    alarm: event(
      { type: StringEnum(['forced-open', 'held-open', 'tailgating']) },
      'the door reports a forced, held-open or tailgating condition',
    ),
    'offline-decision': event(
      {
        requestId: T.String({ minLength: 1, maxLength: 64 }),
        credential: Credential,
        direction: Direction,
        granted: T.Boolean(),
        decidedAt: T.Integer({ minimum: 0 }),
        allowListVersion: T.Integer({ minimum: 0 }),
      },
      'a decision the device took from its allow-list while the edge was unreachable, reported when back',
    ),
  },
  commands: {
    open: command(
      {
        grantId: T.String({ minLength: 1 }),
        /** The pass request this grant answers (absent for an operator's remote open). */
        requestId: T.Optional(T.String({ maxLength: 64 })),
        direction: Direction,
        seconds: T.Integer({ minimum: 1, maximum: 120 }),
      },
      'open once for a granted passage',
    ),
    deny: command({ requestId: T.String(), reason: T.String({ maxLength: 200 }) }, 'refuse a pass request'),
    mode: command(
      { mode: StringEnum(['normal', 'fire-open', 'locked']) },
      'set the door mode: fire-open holds it open',
    ),
    'allow-list': command(
      {
        version: T.Integer({ minimum: 0 }),
        expiresAt: T.Integer({ minimum: 0 }),
        entries: T.Array(
          T.Object(
            { credential: Credential, direction: Direction, until: T.Integer({ minimum: 0 }) },
            { additionalProperties: false },
          ),
          { maxItems: 5000 },
        ),
        /** Directions anyone may pass (free egress), e.g. the exit gate's way out. */
        freeDirections: T.Optional(T.Array(Direction, { maxItems: 2 })),
      },
      'who may pass while the edge is unreachable, and until when',
    ),
  },
});

export const gateContract = passageContract('gate', 'speed gate at the evaluation-zone entrance or exit');
