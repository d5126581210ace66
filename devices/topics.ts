/**
 * The device contract's topic grammar: `hall/{venue}/{kind}/{deviceId}/{channel}[/{name}]`.
 * Devices publish status (retained, also their last will), heartbeat, state (retained), event/{name} and ack;
 * the edge publishes cmd/{name}. A device may publish and subscribe only under its own prefix.
 */
export const TOPIC_ROOT = 'hall';

export const DEVICE_CHANNELS = ['status', 'heartbeat', 'state', 'event', 'ack'] as const;
export type DeviceChannel = (typeof DEVICE_CHANNELS)[number];
export type Channel = DeviceChannel | 'cmd';

export interface DeviceTopic {
  venue: string;
  kind: string;
  deviceId: string;
  channel: Channel;
  /** Event or command name, for the event and cmd channels. */
  name?: string;
}

export function deviceTopic(venue: string, kind: string, deviceId: string, channel: Channel, name?: string): string {
  const base = `${TOPIC_ROOT}/${venue}/${kind}/${deviceId}/${channel}`;
  return name ? `${base}/${name}` : base;
}

export function devicePrefix(venue: string, kind: string, deviceId: string): string {
  return `${TOPIC_ROOT}/${venue}/${kind}/${deviceId}/`;
}

/**
 * Every level of a device topic is a venue-file id or a contract name: lower-case letters, digits, dashes. This
 * also refuses U+0000, which a topic name may not hold [MQTT-4.7.3-2], and every other control character.
 */
const TOPIC_LEVEL = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** Parses a device topic, or says why it is not one. */
export function parseDeviceTopic(topic: string): DeviceTopic | { error: string } {
  const parts = topic.split('/');
  if (parts[0] !== TOPIC_ROOT) return { error: `topic must start with "${TOPIC_ROOT}/"` };
  const [, venue, kind, deviceId, channel, name, ...rest] = parts;
  if (!venue || !kind || !deviceId || !channel)
    return { error: 'topic must be hall/{venue}/{kind}/{deviceId}/{channel}' };
  if (rest.length > 0) return { error: 'topic has too many levels' };
  const bad = parts.slice(1).find((level) => !TOPIC_LEVEL.test(level));
  if (bad !== undefined)
    return { error: `topic level ${JSON.stringify(bad)} is not lower-case letters, digits and dashes` };
  if (channel === 'event' || channel === 'cmd') {
    if (!name) return { error: `channel "${channel}" needs a name: .../${channel}/{name}` };
    return { venue, kind, deviceId, channel, name };
  }
  if (!(DEVICE_CHANNELS as readonly string[]).includes(channel)) return { error: `unknown channel "${channel}"` };
  if (name) return { error: `channel "${channel}" takes no name` };
  return { venue, kind, deviceId, channel: channel as Channel };
}
