import { Type as T } from '@sinclair/typebox';
import { command, type DeviceContract, event } from '../envelope.ts';

const Compartment = T.Integer({ minimum: 1, maximum: 500 });

export const lockerContract: DeviceContract = {
  kind: 'locker',
  description: 'phone locker bank: compartments assigned at check-in, deposit and retrieval reported',
  state: T.Object({ occupied: T.Array(Compartment) }, { additionalProperties: false }),
  events: {
    deposit: event(
      { compartment: Compartment, holder: T.String({ minLength: 1 }) },
      'a phone was deposited and the door closed',
    ),
    retrieve: event({ compartment: Compartment, holder: T.String({ minLength: 1 }) }, 'the compartment was emptied'),
  },
  commands: {
    assign: command(
      { compartment: Compartment, holder: T.String({ minLength: 1 }) },
      'assign a compartment to a person',
    ),
    release: command({ compartment: Compartment }, 'free a compartment'),
  },
};
