// CCTV: cameras adopted over ONVIF, segments recorded (each SHA-256 enters the record), gaps, locks to a
// session, retention, disk guard. None goes upstream (footage stays in the venue).
import { Type as T } from '@sinclair/typebox';
import { defineEvents, Nullable } from '../store/event-spec.ts';

const strict = { additionalProperties: false } as const;
const cameraEntry = T.Object({ name: T.String(), zone: T.String(), xaddr: T.String() }, strict);
const disk = T.Object({ free: T.Number(), reserveBytes: T.Number() }, strict);

export const videoEvents = defineEvents({
  'video.discovery': {
    description: 'an ONVIF discovery ran: who was asked, how many answered, which are not in the venue file',
    data: T.Object({ targets: T.Array(T.String()), answered: T.Integer(), notInVenue: T.Array(T.String()) }, strict),
  },
  'video.camera-added': { description: 'a camera was added to the venue', data: cameraEntry },
  'video.camera-removed': { description: 'a camera was removed from the venue', data: cameraEntry },
  'video.camera-renamed': {
    description: 'a camera was renamed',
    data: T.Object({ from: T.String(), to: T.String() }, strict),
  },
  'video.camera-moved': {
    description: 'a camera was moved to another zone',
    data: T.Object({ name: T.String(), from: T.String(), to: T.String(), since: T.Number() }, strict),
  },
  'video.camera-adopted': {
    description: 'a camera answered over ONVIF: identity, profiles, the streams recorded and shown, clock drift',
    data: T.Object(
      {
        manufacturer: T.String(),
        model: T.String(),
        serial: T.String(),
        // As the camera describes them (devices/camera/onvif-client.ts).
        profiles: T.Array(
          T.Object({
            token: T.String(),
            name: T.String(),
            encoding: T.String(),
            width: T.Number(),
            height: T.Number(),
            fps: T.Number(),
          }),
        ),
        streams: T.Object({ main: T.String(), sub: Nullable(T.String()) }, strict),
        substreamError: T.Optional(T.String()),
        clockDriftMs: T.Number(),
      },
      strict,
    ),
  },
  'video.segment': {
    description: 'a recorded segment was checked and indexed (its SHA-256 binds the file to the record)',
    data: T.Object(
      {
        camera: T.String(),
        start: T.Number(),
        end: T.Number(),
        size: T.Integer(),
        sha256: T.String(),
        codec: T.String(),
        file: T.String(),
        run: T.String(),
        recovered: T.Optional(T.Boolean()),
      },
      strict,
    ),
  },
  'video.segment-quarantined': {
    description: 'a segment failed its check and was moved aside',
    data: T.Object(
      {
        camera: T.String(),
        file: T.String(),
        movedTo: T.String(),
        reason: T.String(),
        size: T.Integer(),
        sha256: T.String(),
        mtime: T.Number(),
      },
      strict,
    ),
  },
  'video.segment-unindexed': {
    description: 'a segment could not be indexed',
    data: T.Object({ camera: T.String(), reason: T.String() }, strict),
  },
  'video.gap': {
    description: "a gap in a camera's recording (from → to)",
    data: T.Object({ camera: T.String(), from: T.Number(), to: T.Number() }, strict),
  },
  'video.locked': {
    description: "a session's footage was locked for the archive period",
    data: T.Object(
      { camera: T.String(), from: T.Number(), to: T.Number(), until: T.Number(), segments: T.Integer() },
      strict,
    ),
  },
  'video.retention': {
    description: 'segments past retention were deleted (which, how many bytes, why)',
    data: T.Object(
      {
        reason: T.String(),
        segments: T.Array(
          T.Object({ camera: T.String(), start: T.Number(), end: T.Number(), sha256: T.String() }, strict),
        ),
        bytes: T.Number(),
      },
      strict,
    ),
  },
  'video.recording-refused': { description: 'recording paused: the disk is below its reserve', data: disk },
  'video.recording-resumed': { description: 'recording resumed: the disk is above its reserve again', data: disk },
});
