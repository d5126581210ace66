// Writes what an external mosquitto needs to hold devices to the same rules as the embedded broker:
// a password file (hashed by mosquitto_passwd) and an ACL with one block per device.
// Usage: npm run mosquitto-config -- <venue id> <output dir> [--data data/<venue>]
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Venue } from '../../config/schema.ts';
import { loadVenue, venueFile } from '../../config/venue-loader.ts';
import { deviceCredential, EDGE_USERNAME, loadOrCreateSecret } from '../../devices/provisioning.ts';
import { devicePrefix, TOPIC_ROOT } from '../../devices/topics.ts';
import { cliKeysDir, KEY_FILES } from '../keys-dir.ts';
import { DEFAULT_BUS_LIMITS, largestPacket } from './device-limits.ts';

export function mosquittoAcl(venue: Venue): string {
  const lines = [`user ${EDGE_USERNAME}`, `topic readwrite ${TOPIC_ROOT}/${venue.id}/#`, ''];
  for (const d of venue.devices) {
    const own = devicePrefix(venue.id, d.kind, d.id);
    lines.push(
      `user ${d.id}`,
      ...['status', 'heartbeat', 'state', 'ack', 'event/+'].map((c) => `topic write ${own}${c}`),
      `topic read ${own}cmd/#`,
      '',
    );
  }
  return lines.join('\n');
}

/** Writes passwd, acl and a mosquitto.conf listening on the port; returns the conf path. */
export function writeMosquittoConfig(
  venue: Venue,
  secret: Buffer,
  dir: string,
  options: { port: number; persistenceDir?: string; user?: string },
) {
  mkdirSync(dir, { recursive: true });
  const passwd = join(dir, 'passwd');
  const usernames = [EDGE_USERNAME, ...venue.devices.map((d) => d.id)];
  writeFileSync(passwd, `${usernames.map((u) => `${u}:${deviceCredential(secret, venue.id, u)}`).join('\n')}\n`, {
    mode: 0o600,
  });
  execFileSync('mosquitto_passwd', ['-U', passwd]); // hashes the plain passwords in place
  writeFileSync(join(dir, 'acl'), mosquittoAcl(venue));
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [
      `listener ${options.port} 127.0.0.1`,
      // The same device limits as the embedded broker's, as far as mosquitto has them (device-limits.ts): the
      // client id is the username, so no device takes over another's session; packet size and connections bounded.
      'use_username_as_clientid true',
      `max_connections ${DEFAULT_BUS_LIMITS.maxConnections}`,
      `max_packet_size ${largestPacket()}`,
      // Started as root, mosquitto drops to this user; it must be able to read these files.
      ...(options.user ? [`user ${options.user}`] : []),
      'allow_anonymous false',
      `password_file ${passwd}`,
      `acl_file ${join(dir, 'acl')}`,
      // Persistence keeps the edge's session and its queued messages across a broker restart.
      'persistence true',
      `persistence_location ${options.persistenceDir ?? dir}/`,
      'autosave_interval 1',
      // mosquitto acknowledges a device's message before the edge has it, then queues it for the edge's session;
      // past 1,000 queued (the default) it drops what it acknowledged. Queue what a long edge restart needs.
      'max_queued_messages 1000000',
      '',
    ].join('\n'),
  );
  return conf;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { data: { type: 'string' }, keys: { type: 'string' }, port: { type: 'string', default: '1883' } },
  });
  const [venueId, dir] = positionals;
  if (!venueId || !dir) {
    console.error(
      'usage: npm run mosquitto-config -- <venue id> <output dir> [--data data/<venue>] [--keys data/<venue>-keys] [--port 1883]',
    );
    process.exit(2);
  }
  const venue = loadVenue(venueFile(venueId));
  const secret = loadOrCreateSecret(join(cliKeysDir(venueId, values), KEY_FILES.deviceSecret));
  console.log(`wrote ${writeMosquittoConfig(venue, secret, dir, { port: Number(values.port) })}`);
}
