import { type Static, Type as T } from '@sinclair/typebox';
import { StringEnum } from '../../config/json-schema.ts';
import { command, type DeviceContract, event, WIRE_LIMITS, WireId } from '../envelope.ts';

/** 2 MiB of image, base64: the most a frame or chip photo may carry (the venue's limit may be lower). */
export const MAX_IMAGE_BYTES = 2 * 1024 * 1024;
export const MAX_FRAMES = 5;

const Base64Jpeg = T.String({
  minLength: 4,
  maxLength: Math.ceil(MAX_IMAGE_BYTES / 3) * 4,
  contentEncoding: 'base64',
  description: 'JPEG or PNG image, base64, at most 2 MiB',
});

/** A verdict from terminals with an NIR or depth camera; a venue may require one (venue file). */
export const HardwareLivenessSchema = T.Object(
  {
    method: StringEnum(['nir', 'depth']),
    verdict: StringEnum(['live', 'spoof']),
    score: T.Optional(T.Number({ minimum: 0, maximum: 1 })),
  },
  { additionalProperties: false, description: "the terminal's own liveness verdict (NIR or depth camera)" },
);

export type HardwareLiveness = Static<typeof HardwareLivenessSchema>;

/** Capture time of a frame at the terminal, ms since the epoch: frames must be distinct moments over ~1 s. */
export const CapturedAt = T.Integer({
  minimum: 1_500_000_000_000,
  maximum: WIRE_LIMITS.maxMillis,
  description: 'capture time, ms since the epoch',
});

export const faceTerminalContract = {
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
        frames: T.Array(T.Object({ image: Base64Jpeg, capturedAt: CapturedAt }, { additionalProperties: false }), {
          minItems: 1,
          maxItems: MAX_FRAMES,
        }),
        liveness: T.Optional(HardwareLivenessSchema),
      },
      'live camera frames for the attempt, each with its capture time, and the hardware liveness verdict if any',
    ),
  },
  commands: {
    'show-result': command(
      {
        attemptId: WireId(),
        accepted: T.Boolean(),
        /** Not refused: the person should face the camera again and the terminal capture again (same attempt). */
        lookAgain: T.Optional(T.Boolean()),
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
} satisfies DeviceContract;
