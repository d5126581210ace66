import { type Static, Type as T } from '@sinclair/typebox';
import { StringEnum } from '../../config/json-schema.ts';
import { Counter, command, type DeviceContract, Millis, WireId } from '../envelope.ts';

/** A board's timers and counts: a year in seconds, a thousand experts. */
const Seconds = T.Integer({ minimum: 0, maximum: 31_622_400 });
const Headcount = T.Integer({ minimum: 0, maximum: 1000 });

/** What a board may show about one room. An allow-list: the wire rejects any other field (never expert names). */
export const RoomBoard = T.Object(
  {
    room: WireId(),
    roomName: T.String({ maxLength: 100 }),
    projectCode: T.Union([T.String({ maxLength: 64 }), T.Null()]),
    /** idle: no session today; preparing 准备; evaluating 评标中; paused 暂停; ended 结束. */
    state: StringEnum(['idle', 'preparing', 'evaluating', 'paused', 'ended']),
    stateLabel: T.String({ maxLength: 20, description: 'zh-CN label of the state' }),
    scheduledStart: T.Union([Millis, T.Null()]),
    scheduledEnd: T.Union([Millis, T.Null()]),
    startedAt: T.Union([Millis, T.Null()]),
    elapsedS: Seconds,
    remainingS: Seconds,
    checkin: T.Object({ done: Headcount, expected: Headcount }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);
export type RoomBoard = Static<typeof RoomBoard>;

export const Board = T.Object(
  {
    kind: StringEnum(['room', 'hall']),
    /** When the timers were computed; a display ticks elapsed/remaining on from here. */
    at: Millis,
    rooms: T.Array(RoomBoard, { maxItems: 64 }),
  },
  { additionalProperties: false },
);
export type Board = Static<typeof Board>;

export const displayContract = {
  kind: 'display',
  description: 'evaluation-info display: a room board at a room door or the hall board',
  state: T.Object({ contentVersion: Counter }, { additionalProperties: false }),
  events: {},
  commands: {
    content: command(
      { version: Counter, board: Board },
      'what the board shows (never expert names); published retained so a rebooted display shows it at once',
    ),
    notice: command(
      {
        noticeId: WireId(),
        text: T.String({ minLength: 1, maxLength: 200 }),
        level: StringEnum(['info', 'reminder']),
      },
      'a notice pushed by a witness; the ack is the delivery receipt',
    ),
  },
} satisfies DeviceContract;
