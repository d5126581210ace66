import { type Static, Type as T } from '@sinclair/typebox';
import { StringEnum } from '../../config/json-schema.ts';
import { command, type DeviceContract, Millis } from '../envelope.ts';

/** What a board may show about one room. An allow-list: the wire rejects any other field (never expert names). */
export const RoomBoard = T.Object(
  {
    room: T.String({ minLength: 1, maxLength: 64 }),
    roomName: T.String({ maxLength: 100 }),
    projectCode: T.Union([T.String({ maxLength: 64 }), T.Null()]),
    /** idle: no session today; preparing 准备; evaluating 评标中; paused 暂停; ended 结束. */
    state: StringEnum(['idle', 'preparing', 'evaluating', 'paused', 'ended']),
    stateLabel: T.String({ maxLength: 20, description: 'zh-CN label of the state' }),
    scheduledStart: T.Union([Millis, T.Null()]),
    scheduledEnd: T.Union([Millis, T.Null()]),
    startedAt: T.Union([Millis, T.Null()]),
    elapsedS: T.Integer({ minimum: 0 }),
    remainingS: T.Integer({ minimum: 0 }),
    checkin: T.Object(
      { done: T.Integer({ minimum: 0 }), expected: T.Integer({ minimum: 0 }) },
      { additionalProperties: false },
    ),
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

export const displayContract: DeviceContract = {
  kind: 'display',
  description: 'evaluation-info display: a room board at a room door or the hall board',
  state: T.Object({ contentVersion: T.Integer({ minimum: 0 }) }, { additionalProperties: false }),
  events: {},
  commands: {
    content: command(
      { version: T.Integer({ minimum: 0 }), board: Board },
      'what the board shows (never expert names); published retained so a rebooted display shows it at once',
    ),
    notice: command(
      {
        noticeId: T.String({ minLength: 1, maxLength: 64 }),
        text: T.String({ minLength: 1, maxLength: 200 }),
        level: StringEnum(['info', 'reminder']),
      },
      'a notice pushed by a witness; the ack is the delivery receipt',
    ),
  },
};
