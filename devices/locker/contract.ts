import { Type as T } from '@sinclair/typebox';
import { command, type DeviceContract, event, WireId } from '../envelope.ts';

const MAX_COMPARTMENTS = 500;
const Compartment = T.Integer({ minimum: 1, maximum: MAX_COMPARTMENTS });
/** Whose phone: the person's pseudonym. */
const Holder = WireId();

export const lockerContract = {
  kind: 'locker',
  description: 'phone locker bank: compartments assigned at check-in, deposit and retrieval reported',
  state: T.Object(
    { occupied: T.Array(Compartment, { maxItems: MAX_COMPARTMENTS, uniqueItems: true }) },
    { additionalProperties: false },
  ),
  events: {
    deposit: event({ compartment: Compartment, holder: Holder }, 'a phone was deposited and the door closed'),
    retrieve: event({ compartment: Compartment, holder: Holder }, 'the compartment was emptied'),
  },
  commands: {
    assign: command({ compartment: Compartment, holder: Holder }, 'assign a compartment to a person'),
    release: command({ compartment: Compartment }, 'free a compartment'),
  },
} satisfies DeviceContract;
