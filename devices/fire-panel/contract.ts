import { Type as T } from '@sinclair/typebox';
import { type DeviceContract, event } from '../envelope.ts';

export const firePanelContract = {
  kind: 'fire-panel',
  description: 'fire alarm panel input',
  state: T.Object({ alarm: T.Boolean() }, { additionalProperties: false }),
  events: {
    'fire-alarm': event(
      { active: T.Boolean(), detector: T.Optional(T.String({ maxLength: 64 })) },
      'fire alarm raised or cleared at the panel',
    ),
  },
  commands: {},
} satisfies DeviceContract;
