import { Type as T } from '@sinclair/typebox';
import { StringEnum } from '../../config/json-schema.ts';
import { command, type DeviceContract, event, WireId } from '../envelope.ts';

/** 2,000,000 base64 characters: a 1.5 MB image, several times a kiosk camera's 1080p JPEG. */
const Base64Jpeg = T.String({
  minLength: 4,
  maxLength: 2_000_000,
  contentEncoding: 'base64',
  description: 'JPEG or PNG image, base64',
});

export const faceTerminalContract: DeviceContract = {
  kind: 'face-terminal',
  description: 'face-recognition check-in terminal with ID-card chip reader, camera, screen and beeper',
  state: T.Object({ screen: T.String({ maxLength: 64 }) }, { additionalProperties: false }),
  events: {
    'idcard-read': event(
      {
        attemptId: WireId(),
        idNumber: T.String({ minLength: 18, maxLength: 18, pattern: '^[0-9]{17}[0-9X]$' }),
        name: T.String({ minLength: 1, maxLength: 64 }),
        photo: Base64Jpeg,
      },
      'ID-card chip data: number, name and chip photo',
    ),
    capture: event(
      {
        attemptId: WireId(),
        frames: T.Array(Base64Jpeg, { minItems: 1, maxItems: 5 }),
      },
      'live camera frames for the attempt',
    ),
  },
  commands: {
    'show-result': command(
      {
        attemptId: WireId(),
        accepted: T.Boolean(),
        message: T.String({ maxLength: 200 }),
        room: T.Optional(T.String({ maxLength: 64 })),
        seat: T.Optional(T.String({ maxLength: 64 })),
        locker: T.Optional(T.String({ maxLength: 64 })),
        badge: T.Optional(T.String({ maxLength: 64 })),
      },
      'show the check-in result on the terminal screen',
    ),
    beep: command({ pattern: StringEnum(['ok', 'error']) }, 'sound the beeper'),
  },
};
