// npm run backup -- [--venue jincheng] [--data DIR] [--keys DIR] --to DIR
// npm run restore -- --from DIR [--venue jincheng] [--data DIR] [--keys DIR]
// Data and key directories default to HALLEDGE_DATA / HALLEDGE_KEYS, else data/<venue> and data/<venue>-keys
// (docs/operations.md).
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultKeysDir } from '../keys-dir.ts';
import { BackupError, backupVenue, restoreVenue } from './backup.ts';

const [command, ...rest] = process.argv.slice(2);
const { values } = parseArgs({
  args: rest,
  options: {
    venue: { type: 'string', default: process.env.HALLEDGE_VENUE ?? 'jincheng' },
    data: { type: 'string' },
    keys: { type: 'string' },
    to: { type: 'string' },
    from: { type: 'string' },
  },
});
const dataDir = values.data ?? process.env.HALLEDGE_DATA ?? join('data', values.venue!);
// Keys beside the data by default, as the edge keeps them (edge/keys-dir.ts); the backup puts them in keys/ to move apart.
const keysDir = values.keys ?? process.env.HALLEDGE_KEYS ?? defaultKeysDir(dataDir);

try {
  if (command === 'backup' && values.to) {
    const m = await backupVenue({ dataDir, keysDir, to: values.to });
    const bytes = m.files.reduce((n, f) => n + f.bytes, 0);
    console.log(`backed up ${dataDir} to ${values.to}: ${m.files.length} files, ${(bytes / 1e6).toFixed(1)} MB`);
    console.log(
      m.keys.length
        ? `keys: ${m.keys.length} files in ${join(values.to, 'keys')} — store them apart from the data`
        : 'keys: not included (no key directory given)',
    );
  } else if (command === 'restore' && values.from) {
    const m = await restoreVenue({ from: values.from, dataDir, keysDir });
    console.log(
      `restored ${m.files.length} files into ${dataDir}${m.keys.length ? ` and ${m.keys.length} keys into ${keysDir}` : ''}; every file matched the manifest`,
    );
    console.log(`next: npm run verify -- ${join(dataDir, 'halledge.db')}`);
  } else {
    console.error(
      'usage: npm run backup -- --to DIR [--venue V] [--data DIR] [--keys DIR]\n       npm run restore -- --from DIR [--venue V] [--data DIR] [--keys DIR]',
    );
    process.exit(2);
  }
} catch (err) {
  console.error(err instanceof BackupError ? err.message : (err as Error).message);
  process.exit(1);
}
