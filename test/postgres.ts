// A throwaway PostgreSQL cluster from Debian's server binaries, for the tests and benches that run the city hub
// over PostgreSQL. As root (CI) the cluster runs as the postgres user (initdb refuses root), in a temp dir it owns.
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);
const PG_ROOT = '/usr/lib/postgresql';

export interface TestPostgres {
  /** The cluster's `postgres` database. */
  url: string;
  /** A new empty database in the cluster (one per test that needs its own hub data). */
  createDatabase(): Promise<string>;
  stop(): Promise<void>;
}

/** The newest installed server's bin dir, or a clear error naming the package to install. */
function serverBinaries(): string {
  const versions = existsSync(PG_ROOT)
    ? readdirSync(PG_ROOT)
        .filter((v) => existsSync(join(PG_ROOT, v, 'bin', 'initdb')) && existsSync(join(PG_ROOT, v, 'bin', 'pg_ctl')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (!versions.length)
    throw new Error(
      `PostgreSQL server binaries not found (${PG_ROOT}/*/bin/initdb, pg_ctl): install Debian's postgresql package (apt-get install postgresql; .ci/run does)`,
    );
  return join(PG_ROOT, versions[0]!, 'bin');
}

function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export async function startPostgres(): Promise<TestPostgres> {
  const bin = serverBinaries();
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'halledge-pg-'));
  if (asRoot) {
    const ids = await run('id', ['-u', 'postgres']).then((r) => Number(r.stdout.trim()));
    const gid = await run('id', ['-g', 'postgres']).then((r) => Number(r.stdout.trim()));
    chownSync(dir, ids, gid);
  }
  // As root, every server command runs as the postgres user.
  const server = (tool: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]) : run(join(bin, tool), args);
  const data = join(dir, 'data');
  const log = join(dir, 'server.log');
  try {
    await server('initdb', [
      '-D',
      data,
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      '--no-sync',
      '--no-instructions',
    ]);
    const port = await freeTcpPort();
    // Loopback and a socket in the temp dir; durability off (a test cluster is thrown away).
    const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
    await server('pg_ctl', ['start', '-w', '-t', '60', '-D', data, '-l', log, '-o', options]);
    const base = `postgres://postgres@127.0.0.1:${port}`;
    let databases = 0;
    return {
      url: `${base}/postgres`,
      async createDatabase() {
        const name = `hub_${process.pid}_${++databases}`;
        const client = new pg.Client({ connectionString: `${base}/postgres` });
        await client.connect();
        try {
          await client.query(`CREATE DATABASE ${name}`);
        } finally {
          await client.end();
        }
        return `${base}/${name}`;
      },
      async stop() {
        await server('pg_ctl', ['stop', '-m', 'fast', '-w', '-D', data]).catch(() => undefined);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    const serverLog = existsSync(log) ? readFileSync(log, 'utf8').slice(-2000) : '';
    rmSync(dir, { recursive: true, force: true });
    const { stderr } = err as { stderr?: string };
    throw new Error(
      `startPostgres: ${(err as Error).message}${stderr ? `\n${stderr}` : ''}${serverLog ? `\n${serverLog}` : ''}`,
      { cause: err },
    );
  }
}
