import { Type as T } from '@sinclair/typebox';
import { StringEnum } from '../../config/json-schema.ts';
import { command, type DeviceContract, event, WireId } from '../envelope.ts';

const CallId = WireId();

const Sdp = (description: string) => T.String({ minLength: 1, maxLength: 2000, description });

/**
 * Expert intercom station. Signalling is MQTT, standing in for SIP; media is RTP (G.711 µ-law, what SIP
 * intercom stations speak) between the station and the edge, which anchors, relays and records it.
 * `connected.media` is the edge's SDP offer (its RTP port, as in a SIP INVITE); the station's `media` event
 * is its SDP answer (where it receives the console's audio, as in the 200 OK).
 */
export const intercomContract = {
  kind: 'intercom',
  description: 'expert intercom station in an evaluation room',
  state: T.Object({ call: StringEnum(['idle', 'calling', 'ringing', 'talking']) }, { additionalProperties: false }),
  events: {
    call: event({ callId: CallId }, 'the call button was pressed'),
    answer: event({ callId: CallId }, 'the station answered a call from the console'),
    media: event(
      { callId: CallId, sdp: Sdp('SDP answer: where the station receives RTP audio') },
      'the station took the media offer: its RTP address',
    ),
    hangup: event({ callId: CallId }, 'the station hung up'),
  },
  commands: {
    ring: command({ callId: CallId }, 'the console calls this station'),
    connected: command(
      { callId: CallId, media: Sdp('SDP offer: where to send RTP audio') },
      'the call was answered: media parameters',
    ),
    hangup: command({ callId: CallId }, 'the console hung up'),
  },
} satisfies DeviceContract;
