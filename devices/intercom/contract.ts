import { Type as T } from '@sinclair/typebox';
import { StringEnum } from '../../config/json-schema.ts';
import { command, type DeviceContract, event } from '../envelope.ts';

const CallId = T.String({ minLength: 1, maxLength: 64 });

export const intercomContract: DeviceContract = {
  kind: 'intercom',
  description: 'expert intercom station in an evaluation room',
  state: T.Object({ call: StringEnum(['idle', 'calling', 'ringing', 'talking']) }, { additionalProperties: false }),
  events: {
    call: event({ callId: CallId }, 'the call button was pressed'),
    answer: event({ callId: CallId }, 'the station answered a call from the console'),
    hangup: event({ callId: CallId }, 'the station hung up'),
  },
  commands: {
    ring: command({ callId: CallId }, 'the console calls this station'),
    connected: command(
      { callId: CallId, media: T.String({ maxLength: 2000 }) },
      'the call was answered: media parameters',
    ),
    hangup: command({ callId: CallId }, 'the console hung up'),
  },
};
