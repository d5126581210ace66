import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { VenueRuntime } from '../../app/start-venue.ts';
import { eventually, startTestVenue, tempDir } from '../../test/venue-harness.ts';
import type { EmbeddedBroker } from '../bus/embedded-broker.ts';
import { provisionDevice } from './provision.ts';
import { loadOrCreateVenueCa, tlsFiles } from './venue-ca.ts';

let edge: VenueRuntime | undefined;
afterEach(async () => {
  await edge?.stop();
  edge = undefined;
});

/** A venue on loopback with HTTPS and every broker listener, TLS ones included, on free ports. */
const startTlsVenue = () =>
  startTestVenue({
    bus: { kind: 'embedded', port: 0, wsPort: 0, tlsPort: 0, wssPort: 0 },
    http: { host: '127.0.0.1', port: 0 },
  });

/** Runs a mosquitto client; resolves with its exit code and what it printed. */
function mosquitto(command: 'mosquitto_pub' | 'mosquitto_sub', args: string[]) {
  return new Promise<{ code: number; output: string }>((resolve) =>
    execFile(command, args, { timeout: 20_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number(err.code ?? 1) : 0, output: `${stdout}${stderr}` }),
    ),
  );
}

const portOf = (url: string | null) => new URL(url!).port;
const firmware = (id: string) => edge!.registry.get(id)?.firmware;

async function waitForFirmware(id: string, expected: string) {
  const seen = await eventually(
    () => firmware(id),
    (f) => f === expected,
    10_000,
  );
  if (seen !== expected) throw new Error(`${id} firmware ${seen}, expected ${expected}`);
}

/** Starts the TLS venue and provisions gate-exit (password, or client certificate) into a temp folder. */
async function provisionedGateExit(cert: boolean) {
  edge = await startTlsVenue();
  const out = join(tempDir(), 'gate-exit');
  const device = await provisionDevice(edge.venue, 'gate-exit', {
    keysDir: edge.keysDir,
    outDir: out,
    host: '127.0.0.1',
    cert,
  });
  return { broker: edge.bus as EmbeddedBroker, out, device };
}

describe('TLS on site', () => {
  it('mosquitto with the venue CA publishes over MQTTS; a wrong CA is refused', async () => {
    const { broker, out, device } = await provisionedGateExit(false);
    const heartbeat = (fw: string) => JSON.stringify({ at: Date.now(), firmware: fw });
    const server = ['-h', '127.0.0.1', '-p', portOf(broker.deviceTlsUrl), '-i', device.clientId];
    const common = [...server, '-q', '1'];
    const login = ['-u', device.username, '-P', device.password!];
    const topic = ['-t', 'hall/qinshui/gate/gate-exit/heartbeat'];
    const ok = await mosquitto('mosquitto_pub', [
      ...common,
      ...login,
      ...topic,
      '--cafile',
      join(out, device.files.ca),
      '-m',
      heartbeat('tls-1'),
    ]);
    expect(ok).toEqual({ code: 0, output: '' });
    await waitForFirmware('gate-exit', 'tls-1');
    // mosquitto_sub too: it receives the command the edge left retained for the gate.
    await broker.publish('hall/qinshui/gate/gate-exit/cmd/mode', '{"mode":"locked"}', { retain: true });
    const sub = await mosquitto('mosquitto_sub', [
      ...server,
      ...login,
      '--cafile',
      join(out, device.files.ca),
      '-t',
      'hall/qinshui/gate/gate-exit/cmd/#',
      '-C',
      '1',
      '-W',
      '15',
    ]);
    expect(sub).toEqual({ code: 0, output: '{"mode":"locked"}\n' });
    // Another CA (another venue's, or an impostor's) does not vouch for this edge: the handshake fails.
    const otherCa = await loadOrCreateVenueCa(tempDir(), 'impostor');
    const otherCaFile = join(tempDir(), 'other-ca.crt');
    writeFileSync(otherCaFile, otherCa.cert);
    const refused = await mosquitto('mosquitto_pub', [
      ...common,
      ...login,
      ...topic,
      '--cafile',
      otherCaFile,
      '-m',
      heartbeat('tls-2'),
    ]);
    expect(refused.code).not.toBe(0);
    expect(refused.output).toMatch(/certificate verify failed|Protocol error|A TLS error occurred/i);
    expect(firmware('gate-exit')).toBe('tls-1');
  });

  it('a device certificate from the venue CA signs the device in without a password, as itself only', async () => {
    const { broker, out, device } = await provisionedGateExit(true);
    expect(device.password).toBeUndefined();
    const tls = [
      '--cafile',
      join(out, device.files.ca),
      '--cert',
      join(out, device.files.cert!),
      '--key',
      join(out, device.files.key!),
    ];
    const common = ['-h', '127.0.0.1', '-p', portOf(broker.deviceTlsUrl), '-q', '1', ...tls];
    const heartbeat = JSON.stringify({ at: Date.now(), firmware: 'cert-1' });
    const ok = await mosquitto('mosquitto_pub', [
      ...common,
      '-i',
      'gate-exit',
      '-t',
      'hall/qinshui/gate/gate-exit/heartbeat',
      '-m',
      heartbeat,
    ]);
    expect(ok.code).toBe(0);
    await waitForFirmware('gate-exit', 'cert-1');
    // gate-exit's certificate under gate-entrance's name (client id or username) is refused.
    for (const impersonation of [
      ['-i', 'gate-entrance'],
      ['-i', 'gate-entrance', '-u', 'gate-entrance'],
    ]) {
      const refused = await mosquitto('mosquitto_pub', [
        ...common,
        ...impersonation,
        '-t',
        'hall/qinshui/gate/gate-entrance/heartbeat',
        '-m',
        heartbeat,
      ]);
      expect(refused.code).not.toBe(0);
    }
    expect(firmware('gate-entrance')).toBeNull();
    // Over secure WebSocket too (mqtt.js, the way a browser-based terminal connects).
    const wss = await mqtt.connectAsync(broker.deviceWssUrl!, {
      clientId: 'gate-exit',
      ca: readFileSync(join(out, device.files.ca)),
      cert: readFileSync(join(out, device.files.cert!)),
      key: readFileSync(join(out, device.files.key!)),
      reconnectPeriod: 0,
    });
    await wss.publishAsync(
      'hall/qinshui/gate/gate-exit/heartbeat',
      JSON.stringify({ at: Date.now(), firmware: 'wss-1' }),
      { qos: 1 },
    );
    await wss.endAsync();
    await waitForFirmware('gate-exit', 'wss-1');
  });

  it('serves the console over HTTPS with HSTS and a Secure session cookie', async () => {
    edge = await startTlsVenue();
    expect(edge.httpUrl).toMatch(/^https:\/\/127\.0\.0\.1:/);
    const ca = readFileSync(tlsFiles(edge.keysDir).caCert);
    const call = (path: string, body?: unknown) =>
      new Promise<{ status: number; headers: Record<string, unknown> }>((resolve, reject) => {
        const req = request(
          `${edge!.httpUrl}${path}`,
          { ca, method: body ? 'POST' : 'GET', headers: body ? { 'content-type': 'application/json' } : {} },
          (res) => {
            res.resume();
            res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers }));
          },
        );
        req.on('error', reject);
        req.end(body ? JSON.stringify(body) : undefined);
      });
    const health = await call('/health');
    expect(health.status).toBe(200);
    expect(health.headers['strict-transport-security']).toBe('max-age=31536000');
    const password = readFileSync(join(edge.keysDir, 'initial-admin-password'), 'utf8').trim();
    const login = await call('/api/auth/login', { username: 'admin', password });
    expect(login.status).toBe(200);
    expect(String(login.headers['set-cookie'])).toMatch(/halledge_session=.*; Secure/);
  });

  it('serves plain HTTP on loopback only', async () => {
    await expect(startTestVenue({ http: { host: '0.0.0.0', port: 0, plain: true } })).rejects.toThrow(
      'plain HTTP is for loopback only (development, tests), not 0.0.0.0: use HTTPS',
    );
  });
});
