import { once } from 'node:events';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { VenueRuntime } from '../../app/start-venue.ts';
import { loadOrCreateSecret } from '../../devices/provisioning.ts';
import { deviceTopic } from '../../devices/topics.ts';
import { freePort, startMosquitto } from '../../test/mosquitto.ts';
import { startTestVenue, tempDir, testVenue } from '../../test/venue-harness.ts';
import { openDatabase } from '../store/database.ts';
import { EventLog } from '../store/event-log.ts';
import { verifyChain } from '../store/verify.ts';
import { GroupCommit } from './group-commit.ts';
import { writeMosquittoConfig } from './mosquitto-config.ts';

let edge: VenueRuntime | null = null;
const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  await edge?.stop();
  edge = null;
  for (const step of cleanup.splice(0).reverse()) await step();
});

describe('group commit', () => {
  it('commits a batch in one transaction, refuses only the message whose handling threw, and announces events after the commit', async () => {
    const db = openDatabase(join(tempDir(), 'log.db'));
    const log = new EventLog(db, 'qinshui');
    const commit = new GroupCommit((work) => log.transaction(work));
    const announced: number[] = [];
    log.on('appended', (e) => announced.push(e.seq));
    const acks: (Error | null)[] = [];
    const message =
      (n: number, fail = false) =>
      () => {
        log.append({
          type: 'locker.deposit',
          actor: `holder-${n}`,
          data: { bank: 'locker-bank-1', compartment: n, holder: `holder-${n}` },
        });
        if (fail) throw new Error(`handler of message ${n} failed after appending`);
        expect(announced).toEqual([]); // nothing is announced inside the open transaction
      };
    commit.submit(message(1), (err) => acks.push(err));
    commit.submit(message(2, true), (err) => acks.push(err));
    commit.submit(message(3), (err) => acks.push(err));
    expect(acks).toEqual([]); // nothing acknowledged before the turn ends
    await new Promise((r) => setImmediate(r));
    expect(acks.map((a) => a?.message ?? 'ok')).toEqual(['ok', 'handler of message 2 failed after appending', 'ok']);
    expect(log.query({}).map((e) => e.data.compartment)).toEqual([1, 3]);
    expect(announced).toEqual([1, 2]);
    expect(commit.stats).toMatchObject({ batches: 1, messages: 3, refused: 1 });
    expect(verifyChain(db).ok).toBe(true);
    db.close();
  });
});

/** A locker that publishes deposits; reconnects quickly, as a device would after the broker dropped it. */
async function locker(url: string, password: string): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url, {
    username: 'locker-bank-1',
    password,
    clientId: 'locker-bank-1',
    reconnectPeriod: 100,
  });
  cleanup.push(() => client.endAsync(true));
  return client;
}

const deposit = (venue: string) => deviceTopic(venue, 'locker', 'locker-bank-1', 'event', 'deposit');
const deposits = (e: VenueRuntime, holder: string) =>
  e.log.query({ type: 'locker.deposit' }).filter((ev) => ev.data.holder === holder).length;

describe('a device message is acknowledged only after its event is committed', () => {
  it('embedded broker: no PUBACK while the record refuses to write; the device sends again and is recorded', async () => {
    edge = await startTestVenue();
    const device = await locker(edge.bus.deviceUrl, edge.deviceCredential('locker-bank-1'));
    edge.db.pragma('query_only = ON'); // the record cannot write, as with a failing disk
    let acked = false;
    const publishing = device
      .publishAsync(deposit(edge.venue.id), JSON.stringify({ at: Date.now(), compartment: 3, holder: 'E-ack-1' }), {
        qos: 1,
      })
      .then(() => {
        acked = true;
      });
    // The broker drops the device instead of acknowledging: a message it refused must come again.
    await new Promise<void>((resolve) => device.once('close', () => resolve()));
    expect(acked).toBe(false);
    expect(deposits(edge, 'E-ack-1')).toBe(0);
    edge.db.pragma('query_only = OFF');
    await publishing;
    expect(deposits(edge, 'E-ack-1')).toBeGreaterThanOrEqual(1);
  });

  it('external mosquitto: the edge acknowledges to the broker only after commit, so the broker delivers again', async () => {
    const dataDir = tempDir();
    const venue = testVenue('qinshui', 30);
    const port = freePort();
    const conf = writeMosquittoConfig(venue, loadOrCreateSecret(join(dataDir, 'device-secret')), join(dataDir, 'mq'), {
      port,
      user: process.getuid?.() === 0 ? 'root' : undefined,
    });
    const mosquitto = await startMosquitto(conf, port);
    cleanup.push(() => mosquitto.kill('SIGKILL'));
    edge = await startTestVenue({ venue, dataDir, bus: { kind: 'external', url: `mqtt://127.0.0.1:${port}` } });
    const device = await locker(edge.bus.deviceUrl, edge.deviceCredential('locker-bank-1'));
    edge.db.pragma('query_only = ON');
    const refused = once(edge.bus, 'connection'); // the edge drops its connection so that the broker resends
    await device.publishAsync(
      deposit(venue.id),
      JSON.stringify({ at: Date.now(), compartment: 4, holder: 'E-ack-2' }),
      {
        qos: 1,
      },
    );
    expect(await refused).toEqual([false]);
    expect(deposits(edge, 'E-ack-2')).toBe(0);
    edge.db.pragma('query_only = OFF');
    // Fails at the test's timeout if the broker never delivers it again.
    await new Promise<void>((resolve) =>
      edge!.log.on('appended', (e) => {
        if (e.type === 'locker.deposit' && e.data.holder === 'E-ack-2') resolve();
      }),
    );
    expect(deposits(edge, 'E-ack-2')).toBe(1);
  }, 30_000);
});
