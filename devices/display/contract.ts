import { Type as T } from '@sinclair/typebox';
import { command, type DeviceContract } from '../envelope.ts';

export const displayContract: DeviceContract = {
  kind: 'display',
  description: 'evaluation-info display: a room board at a room door or the hall board',
  state: T.Object({ contentVersion: T.Integer({ minimum: 0 }) }, { additionalProperties: false }),
  events: {},
  commands: {
    content: command(
      { version: T.Integer({ minimum: 0 }), board: T.Record(T.String(), T.Unknown()) },
      'what the board shows (never expert names)',
    ),
    notice: command({ text: T.String({ minLength: 1, maxLength: 200 }) }, 'a notice pushed by a witness'),
  },
};
