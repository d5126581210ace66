import { Type as T } from '@sinclair/typebox';
import { StringEnum } from '../../config/json-schema.ts';
import { command, type DeviceContract, event } from '../envelope.ts';

const CallId = T.String({ minLength: 1, maxLength: 64 });

/**
 * Expert intercom station. Signalling is MQTT; media is RTP (G.711 µ-law, what SIP intercom stations speak)
 * sent to the edge, which anchors and records it. `connected.media` is an SDP offer naming the edge's RTP port.
 */
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
      { callId: CallId, media: T.String({ maxLength: 2000, description: 'SDP: where to send RTP audio' }) },
      'the call was answered: media parameters',
    ),
    hangup: command({ callId: CallId }, 'the console hung up'),
  },
};
