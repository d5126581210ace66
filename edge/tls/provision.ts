// What one device needs to join the venue's bus: the venue CA's certificate (to trust the edge), its password
// or a client certificate and key issued by the venue CA, its client id and the broker URLs.
// Usage: npm run provision -- <device id> [--venue jincheng] [--data data/<venue>] [--keys data/<venue>-keys]
//        [--host edge.venue] [--out provision/<device>] [--cert]
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Venue } from '../../config/schema.ts';
import { loadVenue, venueFile } from '../../config/venue-loader.ts';
import { deviceCredential, loadOrCreateSecret } from '../../devices/provisioning.ts';
import { clientIdOf } from '../bus/device-limits.ts';
import { cliKeysDir, KEY_FILES } from '../keys-dir.ts';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from '../store/private-files.ts';
import { issueDeviceCert, loadOrCreateVenueCa } from './venue-ca.ts';

/** What `device.json` tells a device (or its installer). */
export interface DeviceProvision {
  venue: string;
  kind: string;
  id: string;
  /** The MQTT client id the broker requires: the device's own id. */
  clientId: string;
  username: string;
  /** Absent when the device signs in with its client certificate. */
  password?: string;
  brokers: { mqtts: string; wss: string };
  files: { ca: string; cert?: string; key?: string };
}

/**
 * Writes into `outDir` (owner-only) the venue CA certificate, `device.json` and, with `cert`, a client certificate
 * and key for the device, issued by the venue CA in `keysDir`.
 */
export async function provisionDevice(
  venue: Venue,
  deviceId: string,
  options: { keysDir: string; outDir: string; host: string; cert?: boolean; ports?: { mqtts: number; wss: number } },
): Promise<DeviceProvision> {
  const device = venue.devices.find((d) => d.id === deviceId);
  if (!device) throw new Error(`no device "${deviceId}" in venue ${venue.id}`);
  const ca = await loadOrCreateVenueCa(options.keysDir, venue.id);
  ensurePrivateDir(options.outDir);
  const ports = options.ports ?? { mqtts: 8883, wss: 8084 };
  const files: DeviceProvision['files'] = { ca: 'venue-ca.crt' };
  writeFileSync(join(options.outDir, files.ca), ca.cert);
  const provision: DeviceProvision = {
    venue: venue.id,
    kind: device.kind,
    id: device.id,
    clientId: clientIdOf({ role: 'device', venue: venue.id, kind: device.kind, deviceId }),
    username: device.id,
    brokers: { mqtts: `mqtts://${options.host}:${ports.mqtts}`, wss: `wss://${options.host}:${ports.wss}` },
    files,
  };
  if (options.cert) {
    const issued = await issueDeviceCert(ca, device.id);
    files.cert = `${device.id}.crt`;
    files.key = `${device.id}.key`;
    writeFileSync(join(options.outDir, files.cert), issued.cert);
    writeFileSync(join(options.outDir, files.key), issued.key, { mode: PRIVATE_FILE_MODE });
  } else {
    const secret = loadOrCreateSecret(join(options.keysDir, KEY_FILES.deviceSecret));
    provision.password = deviceCredential(secret, venue.id, device.id);
  }
  writeFileSync(join(options.outDir, 'device.json'), `${JSON.stringify(provision, null, 2)}\n`, {
    mode: PRIVATE_FILE_MODE,
  });
  return provision;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      venue: { type: 'string', default: 'jincheng' },
      data: { type: 'string' },
      keys: { type: 'string' },
      host: { type: 'string', default: 'edge.venue' },
      out: { type: 'string' },
      cert: { type: 'boolean', default: false },
    },
  });
  const [deviceId] = positionals;
  if (!deviceId) {
    console.error(
      'usage: npm run provision -- <device id> [--venue jincheng] [--keys data/<venue>-keys] [--host edge.venue] [--out dir] [--cert]',
    );
    process.exit(2);
  }
  const venue = loadVenue(venueFile(values.venue!));
  const outDir = values.out ?? join('provision', deviceId);
  const p = await provisionDevice(venue, deviceId, {
    keysDir: cliKeysDir(venue.id, values),
    outDir,
    host: values.host!,
    cert: values.cert,
  });
  console.log(`wrote ${outDir}: ${Object.values(p.files).join(', ')}, device.json (${p.brokers.mqtts})`);
}
