// The alarm lifecycle in the record (raised → acknowledged → resolved, reopened when a condition flaps); the
// alarms table is their projection. Upstream as the national 项目报警信息 record (edge/sync/national-alarm.ts).
import { Type as T } from '@sinclair/typebox';
import { defineEvents, Literals, Nullable } from '../store/event-spec.ts';
import { ALARM_KINDS, type AlarmKind } from './alarm-kinds.ts';

const Details = T.Record(T.String(), T.Unknown());
const handled = T.Object({ alarmId: T.String(), note: Nullable(T.String()) }, { additionalProperties: false });

export const alertEvents = defineEvents({
  'alarm.raised': {
    description: 'an alarm of a catalogued kind was raised about a subject (room, door, device, person)',
    data: T.Object(
      {
        alarmId: T.String(),
        kind: Literals(Object.keys(ALARM_KINDS) as [AlarmKind, ...AlarmKind[]]),
        level: T.Union([T.Literal(1), T.Literal(2), T.Literal(3)]),
        details: Details,
      },
      { additionalProperties: false },
    ),
    upstream: { actor: 'keep', derive: 'alarm-raised' },
  },
  'alarm.acknowledged': {
    description: 'someone took charge of an alarm',
    data: handled,
    upstream: { actor: 'pseudonymise', derive: 'alarm-handled' },
  },
  'alarm.resolved': {
    description: 'an alarm was resolved by a person or cleared by the system',
    data: handled,
    upstream: { actor: 'pseudonymise', derive: 'alarm-handled' },
  },
  'alarm.reopened': {
    description: 'a condition came back soon after the system cleared its alarm, which reopens',
    data: T.Object({ alarmId: T.String(), details: Details }, { additionalProperties: false }),
  },
});
