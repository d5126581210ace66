// What the console's users did, recorded by hall-server/auth and its routes: sign-ins, user changes, and every
// view or export of biometrics, tracks, names or recordings (DESIGN: "every view … is itself an audited event").
// Declared here, in edge/, because the record's catalogue may not import hall-server. None goes upstream.
import { Type as T } from '@sinclair/typebox';
import { defineEvents, Literals } from '../store/event-spec.ts';

const Role = Literals(['administrator', 'witness', 'auditor', 'operator']);
const none = T.Object({}, { additionalProperties: false });
const fromIp = T.Object({ ip: T.String() }, { additionalProperties: false });

export const auditEvents = defineEvents({
  'audit.signed-in': { description: 'a console user signed in', data: fromIp },
  'audit.sign-in-failed': { description: 'a console sign-in was refused', data: fromIp },
  'audit.signed-out': { description: 'a console user signed out', data: none },
  'audit.user-created': {
    description: 'an administrator created a console user',
    data: T.Object({ role: Role }, { additionalProperties: false }),
  },
  'audit.user-changed': {
    description: "an administrator changed a console user's role or disabled the account",
    data: T.Object({ role: T.Optional(Role), disabled: T.Optional(T.Boolean()) }, { additionalProperties: false }),
  },
  'audit.password-changed': { description: "a console user's password was changed", data: none },
  'audit.denied': {
    description: 'a console request was refused for its role',
    data: T.Object({ method: T.String(), route: T.String(), role: Role }, { additionalProperties: false }),
  },
  'audit.viewed': {
    description: 'a console user viewed audited data (route and parameters; a replayed segment names its camera)',
    data: T.Object(
      {
        route: T.Optional(T.String()),
        params: T.Unknown(),
        query: T.Optional(T.Unknown()),
        purpose: T.Optional(T.String()),
        camera: T.Optional(T.String()),
        segment: T.Optional(
          T.Object({ start: T.Number(), end: T.Number(), sha256: T.String() }, { additionalProperties: false }),
        ),
      },
      { additionalProperties: false },
    ),
  },
  'audit.action': {
    description: 'a console user changed something (method, route, parameters, answer status)',
    data: T.Object(
      { method: T.String(), route: T.Optional(T.String()), params: T.Unknown(), status: T.Integer() },
      { additionalProperties: false },
    ),
  },
  'audit.name-recorded': {
    description: "an expert's real name was recorded (the name stays in its store)",
    data: none,
  },
  'audit.names-viewed': {
    description: "a user allowed to see experts' names was shown them",
    data: T.Object({ purpose: T.String(), pseudonyms: T.Array(T.String()) }, { additionalProperties: false }),
  },
});
