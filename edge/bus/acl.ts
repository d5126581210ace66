import { devicePrefix, parseDeviceTopic, TOPIC_ROOT } from '../../devices/topics.ts';

/** Who is on the bus: the edge itself, or one device of the venue. */
export type BusIdentity =
  | { role: 'edge'; venue: string }
  | { role: 'device'; venue: string; kind: string; deviceId: string };

/** Null when allowed, otherwise why not. A device publishes only its own status, heartbeat, state, events and acks. */
export function publishDenial(who: BusIdentity, topic: string): string | null {
  if (who.role === 'edge')
    return topic.startsWith(`${TOPIC_ROOT}/${who.venue}/`) ? null : 'edge publishes only under its venue';
  if (!topic.startsWith(devicePrefix(who.venue, who.kind, who.deviceId))) {
    return `device ${who.deviceId} may publish only under ${devicePrefix(who.venue, who.kind, who.deviceId)}`;
  }
  const parsed = parseDeviceTopic(topic);
  if ('error' in parsed) return parsed.error;
  if (parsed.channel === 'cmd') return 'devices do not publish commands';
  return null;
}

/** Null when allowed. A device subscribes only to its own commands. */
export function subscribeDenial(who: BusIdentity, filter: string): string | null {
  if (who.role === 'edge')
    return filter.startsWith(`${TOPIC_ROOT}/${who.venue}/`) ? null : 'edge subscribes only under its venue';
  const own = `${devicePrefix(who.venue, who.kind, who.deviceId)}cmd/`;
  if (filter === `${own}#` || filter === `${own}+`) return null;
  if (filter.startsWith(own) && !filter.slice(own.length).includes('#') && !filter.slice(own.length).includes('+'))
    return null;
  return `device ${who.deviceId} may subscribe only to ${own}#`;
}
