import { type ChildProcess, spawn } from 'node:child_process';
import mqtt from 'mqtt';
import { eventually } from './venue-harness.ts';

/** mosquitto needs its port in its config file: a random one in a range tests use for nothing else. */
export const freePort = () => 20000 + Math.floor(Math.random() * 20000);

/** Starts mosquitto with a config file and waits until it answers on the port (throws if it never does). */
export async function startMosquitto(conf: string, port: number): Promise<ChildProcess> {
  const proc = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
  const up = await eventually(
    () =>
      new Promise<boolean>((resolve) => {
        const probe = mqtt.connect(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, connectTimeout: 500 });
        probe.on('connect', () => {
          probe.end(true);
          resolve(true);
        });
        probe.on('error', (e) => {
          probe.end(true);
          // Refusing an anonymous probe proves the broker is up.
          resolve(/not authorized|bad user/i.test(e.message));
        });
        probe.on('close', () => resolve(false));
      }),
    Boolean,
    5000,
  );
  if (!up) {
    proc.kill('SIGKILL');
    throw new Error(`mosquitto (${conf}) did not answer on port ${port}`);
  }
  return proc;
}

/** A clean stop: mosquitto saves its persistence file (queued messages of persistent sessions). */
export async function stopMosquitto(proc: ChildProcess): Promise<void> {
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM'); // mosquitto saves its persistence file on a clean stop
  await exited;
}
