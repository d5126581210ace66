import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MODULE_SETTINGS, EdgeConfigError, edgeConfigFromEnv, printableConfig } from './edge-config.ts';

describe('edge configuration from the environment', () => {
  it('defaults to a loopback development edge of the city venue', () => {
    expect(edgeConfigFromEnv({})).toEqual({
      venue: 'jincheng',
      dataDir: 'data/jincheng',
      keysDir: undefined,
      bus: { kind: 'embedded', host: '127.0.0.1', port: 1883, wsPort: 8083, tlsPort: 8883, wssPort: 8084 },
      http: { host: '127.0.0.1', port: 8080, plain: false },
      tls: { hosts: undefined, certFile: undefined, keyFile: undefined },
      metricsToken: undefined,
      logLevel: 'info',
      settings: { ...DEFAULT_MODULE_SETTINGS, video: { rollingDays: 30 }, adminPassword: undefined },
    });
  });

  it('reads a site edge: venue file path, listeners off, external broker, module settings', () => {
    const config = edgeConfigFromEnv({
      HALLEDGE_VENUE: 'config/venues/gaoping.yaml',
      HALLEDGE_MQTT_PORT: 'off',
      HALLEDGE_MQTT_WS_PORT: 'off',
      HALLEDGE_TLS_HOSTS: 'edge.gaoping.lan, 192.168.10.5',
      HALLEDGE_RECORD: '1',
      HALLEDGE_CAMERA_DISCOVERY: '10.0.0.20,10.0.0.21',
      HALLEDGE_VIDEO_SEGMENT_S: '10',
      HALLEDGE_FACE_DETECTOR: 'ssd',
    });
    expect(config.dataDir).toBe('data/gaoping');
    expect(config.bus).toMatchObject({ kind: 'embedded', port: null, wsPort: null, tlsPort: 8883 });
    expect(config.tls.hosts).toEqual(['edge.gaoping.lan', '192.168.10.5']);
    expect(config.settings).toMatchObject({
      recordAll: true,
      camera: { discovery: ['10.0.0.20', '10.0.0.21'] },
      video: { segmentS: 10, rollingDays: 30 },
      faceDetector: 'ssd',
    });
    expect(edgeConfigFromEnv({ HALLEDGE_MQTT_URL: 'mqtts://broker.lan:8883' }).bus).toEqual({
      kind: 'external',
      url: 'mqtts://broker.lan:8883',
    });
  });

  it('names every wrong variable and what it must be, all at once', () => {
    const wrong = {
      HALLEDGE_HTTP_PORT: '80a',
      HALLEDGE_MQTT_TLS_PORT: '70000',
      HALLEDGE_HTTP_PLAIN: 'yes',
      HALLEDGE_RTSP_TRANSPORT: 'sctp',
      HALLEDGE_VIDEO_ROLLING_DAYS: '0',
      HALLEDGE_MQTT_URL: 'http://broker',
    };
    expect(() => edgeConfigFromEnv(wrong)).toThrow(EdgeConfigError);
    const message = (() => {
      try {
        edgeConfigFromEnv(wrong);
      } catch (err) {
        return (err as Error).message;
      }
    })();
    expect(
      message!
        .split('\n')
        .slice(1)
        .map((l) => l.trim()),
    ).toEqual([
      'HALLEDGE_MQTT_URL: must be a mqtt://… or mqtts://… or ws://… or wss://… URL, not "http://broker"',
      'HALLEDGE_MQTT_TLS_PORT: must be a whole number from 0 to 65535, not "70000"',
      'HALLEDGE_HTTP_PORT: must be a whole number from 0 to 65535, not "80a"',
      'HALLEDGE_HTTP_PLAIN: must be 1 or 0, not "yes"',
      'HALLEDGE_RTSP_TRANSPORT: must be one of tcp, udp, not "sctp"',
      'HALLEDGE_VIDEO_ROLLING_DAYS: must be a whole number from 1 to 3650, not "0"',
    ]);
  });

  it('prints with secrets masked', () => {
    const config = edgeConfigFromEnv({
      HALLEDGE_CAMERA_PASSWORD: 'cam-secret',
      HALLEDGE_METRICS_TOKEN: 'scrape-secret',
      HALLEDGE_ADMIN_PASSWORD: 'admin-secret',
    });
    const printed = JSON.stringify(printableConfig(config));
    for (const secret of ['cam-secret', 'scrape-secret', 'admin-secret']) expect(printed).not.toContain(secret);
    expect(printableConfig(config).settings.camera.password).toBe('********');
    expect(config.settings.camera.password).toBe('cam-secret');
  });

  it('npm start -- --print-config prints it; a wrong variable stops the edge with EX_CONFIG', async () => {
    const run = (env: Record<string, string>) =>
      promisify(execFile)('sh', ['bin/halledge', '--print-config'], {
        env: { ...process.env, HALLEDGE_NODE: process.execPath, ...env },
      }).then(
        (ok) => ({ code: 0, stdout: ok.stdout, stderr: ok.stderr }),
        (err: { code: number; stdout: string; stderr: string }) => err,
      );
    const printed = await run({ HALLEDGE_VENUE: 'qinshui', HALLEDGE_CAMERA_PASSWORD: 'cam-secret' });
    expect(printed.code).toBe(0);
    expect(JSON.parse(printed.stdout)).toMatchObject({
      venue: 'qinshui',
      settings: { camera: { password: '********' } },
    });
    const refused = await run({ HALLEDGE_HTTP_PORT: 'eighty' });
    expect(refused.code).toBe(78);
    expect(refused.stderr).toContain('HALLEDGE_HTTP_PORT: must be a whole number from 0 to 65535, not "eighty"');
  }, 60_000);
});
