// Check-in (人证核验) and the biometric store. Upstream: who checked in to which seat, badge and locker, and why
// an attempt was refused — never a face, a photo, a distance or the terminal's free text.
import { Type as T } from '@sinclair/typebox';
import { defineEvents, Literals, Nullable } from '../store/event-spec.ts';

const Locker = Nullable(T.Object({ bank: T.String(), compartment: T.Integer() }, { additionalProperties: false }));
/** Every read or write of a template says by whom and for what (DESIGN: views of biometrics are audited). */
const templateAccess = T.Object(
  {
    purpose: T.String(),
    kind: T.String(),
    templates: T.Optional(T.Integer()),
    templateId: T.Optional(T.String()),
    expiresAt: T.Optional(T.Number()),
  },
  { additionalProperties: false },
);
const terminal = T.Object({ terminal: T.String() }, { additionalProperties: false });

export const checkinEvents = defineEvents({
  'checkin.accepted': {
    description:
      'an expert checked in (ID card + face, 1:N face, or a witness): seat, badge, locker; the matching evidence ' +
      '(distances, thresholds, liveness) varies by method and sits beside these fields',
    data: T.Object(
      {
        pseudonym: T.String(),
        verifiedBy: Nullable(T.String()),
        room: T.Optional(T.String()),
        seat: Nullable(T.String()),
        badge: Nullable(T.String()),
        locker: Locker,
        liveness: T.Optional(
          Nullable(
            T.Object(
              {
                verdict: Literals(['too-few-frames', 'blink', 'head-movement', 'blink+head-movement', 'static']),
                eyeOpennessRange: T.Number(),
                headMovement: T.Number(),
                frames: T.Integer(),
              },
              { additionalProperties: false },
            ),
          ),
        ),
      },
      // The method's evidence (edge/checkin/checkin-service.ts `verify`) is open: checked for content, not shape.
      { additionalProperties: true },
    ),
    upstream: {
      actor: 'keep',
      body: { pseudonym: 'id', seat: 'id', badge: 'id', locker: { bank: 'id', compartment: 'int' } },
    },
  },
  'checkin.refused': {
    description: 'a check-in attempt was refused or asked to look again (reason), with the checks that failed',
    data: T.Object(
      {
        reason: T.String(),
        outcome: Literals(['refused', 'look-again']),
        verifiedBy: T.String(),
        field: T.Optional(T.String()),
        detail: T.Optional(T.String()),
      },
      { additionalProperties: true },
    ),
    // Who tried is the event's actor (a pseudonym); the data carries no identity.
    upstream: { actor: 'keep', body: { reason: 'id' } },
  },
  'checkin.released': {
    description: "an expert's badge and locker were released (check-out or the session ended)",
    data: T.Object(
      {
        pseudonym: T.String(),
        badge: Nullable(T.String()),
        locker: Locker,
        reason: Literals(['check-out', 'session-ended']),
      },
      { additionalProperties: false },
    ),
    upstream: { actor: 'pseudonymise', body: { pseudonym: 'id', badge: 'id', reason: 'id' } },
  },
  'checkin.terminal-issued': {
    description: 'a pairing code was issued for a face terminal',
    data: T.Object({ terminal: T.String(), expiresAt: T.Number() }, { additionalProperties: false }),
  },
  'checkin.terminal-paired': { description: 'a face terminal paired with its code', data: terminal },
  'checkin.terminal-revoked': { description: "a face terminal's credential was revoked", data: terminal },
  'biometric.consent-granted': {
    description: 'an expert consented to keeping face templates',
    data: T.Object({}, { additionalProperties: false }),
  },
  'biometric.consent-withdrawn': {
    description: 'an expert withdrew consent; their templates were deleted',
    data: T.Object({ templatesDeleted: T.Integer() }, { additionalProperties: false }),
  },
  'biometric.enrolled': {
    description: 'face templates were stored for an expert (the templates stay in the biometric store)',
    data: T.Object({ templates: T.Integer() }, { additionalProperties: false }),
  },
  'biometric.stored': { description: 'a sealed face template was stored', data: templateAccess },
  'biometric.accessed': { description: 'sealed face templates were read (for matching)', data: templateAccess },
  'biometric.purged': {
    description: 'raw captures or templates past retention were deleted',
    data: T.Object({ deleted: T.Integer(), reason: T.String() }, { additionalProperties: false }),
  },
});
