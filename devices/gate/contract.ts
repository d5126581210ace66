import { Type as T } from '@sinclair/typebox';
import { StringEnum } from '../../config/json-schema.ts';
import { Counter, command, type DeviceContract, event, Millis, WireId } from '../envelope.ts';

export const Credential = T.Object(
  {
    type: StringEnum(['face', 'id-card', 'badge', 'staff-card']),
    /** Pseudonymous person id as the terminal resolved it, or the card/badge number. */
    value: WireId({ maxLength: 128 }),
  },
  { additionalProperties: false },
);
export const Direction = StringEnum(['in', 'out']);

/** Door controllers and speed gates speak the same contract; a gate just lets one person through per grant. */
export const passageContract = (kind: 'gate' | 'door', description: string) => ({
  kind,
  description,
  state: T.Object(
    {
      mode: StringEnum(['normal', 'fire-open', 'locked']),
      open: T.Boolean(),
      allowListVersion: T.Optional(Counter),
    },
    { additionalProperties: false },
  ),
  events: {
    'pass-request': event(
      { requestId: WireId(), credential: Credential, direction: Direction },
      'someone presents a credential and asks to pass',
    ),
    passage: event(
      {
        direction: Direction,
        count: T.Integer({ minimum: 1, maximum: 20 }),
        grantId: T.Optional(WireId()),
      },
      'people passed the door (sensor count)',
    ),
    alarm: event(
      { type: StringEnum(['forced-open', 'held-open', 'tailgating']) },
      'the door reports a forced, held-open or tailgating condition',
    ),
    'offline-decision': event(
      {
        requestId: WireId(),
        credential: Credential,
        direction: Direction,
        granted: T.Boolean(),
        decidedAt: Millis,
        allowListVersion: Counter,
      },
      'a decision the device took from its allow-list while the edge was unreachable, reported when back',
    ),
  },
  commands: {
    open: command(
      {
        grantId: WireId(),
        /** The pass request this grant answers (absent for an operator's remote open). */
        requestId: T.Optional(WireId()),
        direction: Direction,
        seconds: T.Integer({ minimum: 1, maximum: 120 }),
      },
      'open once for a granted passage',
    ),
    deny: command({ requestId: WireId(), reason: T.String({ maxLength: 200 }) }, 'refuse a pass request'),
    mode: command(
      { mode: StringEnum(['normal', 'fire-open', 'locked']) },
      'set the door mode: fire-open holds it open',
    ),
    'allow-list': command(
      {
        version: Counter,
        expiresAt: Millis,
        entries: T.Array(
          T.Object({ credential: Credential, direction: Direction, until: Millis }, { additionalProperties: false }),
          { maxItems: 5000 },
        ),
        /** Directions anyone may pass (free egress), e.g. the exit gate's way out. */
        freeDirections: T.Optional(T.Array(Direction, { maxItems: 2 })),
      },
      'who may pass while the edge is unreachable, and until when',
    ),
  },
});

export const gateContract = passageContract(
  'gate',
  'speed gate at the evaluation-zone entrance or exit',
) satisfies DeviceContract;
