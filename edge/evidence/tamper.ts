// The four tamperings the verifiers must each name (issue #17): re-zipped packages with one thing changed.
import { unzipSync, zipSync } from 'fflate';
import { PACKAGE_FILES } from './package-format.ts';

export type Tampering = 'segment-byte' | 'event-dropped' | 'events-swapped' | 'call-replaced';

/** Each tampering and the finding kinds a verifier must report for it (all naming the tampered item). */
export const TAMPERINGS: [Tampering, string[]][] = [
  ['segment-byte', ['file-altered', 'footage-altered']],
  ['event-dropped', ['event-missing']],
  ['events-swapped', ['event-reordered']],
  ['call-replaced', ['file-altered', 'call-altered']],
];

const text = new TextDecoder();
const utf8 = new TextEncoder();

/** The package with one tampering applied, and the item both verifiers must name. */
export function tamper(zip: Uint8Array, how: Tampering): { zip: Uint8Array; item: string } {
  const files = unzipSync(zip);
  const lines = () => text.decode(files[PACKAGE_FILES.events]).trimEnd().split('\n');
  const seqOf = (line: string) => (JSON.parse(line) as { seq: number }).seq;
  let item: string;
  switch (how) {
    case 'segment-byte': {
      item = Object.keys(files).find((p) => p.startsWith('footage/'))!;
      const bytes = files[item]!;
      bytes[100] = bytes[100]! ^ 0x01;
      break;
    }
    case 'event-dropped': {
      const all = lines();
      item = `event #${seqOf(all[3]!)}`;
      files[PACKAGE_FILES.events] = utf8.encode(`${all.filter((_, i) => i !== 3).join('\n')}\n`);
      break;
    }
    case 'events-swapped': {
      const all = lines();
      [all[2], all[3]] = [all[3]!, all[2]!];
      item = `event #${seqOf(all[2]!)}`;
      files[PACKAGE_FILES.events] = utf8.encode(`${all.join('\n')}\n`);
      break;
    }
    case 'call-replaced': {
      item = Object.keys(files).find((p) => p.startsWith('calls/'))!;
      files[item] = utf8.encode('OggS another recording altogether');
      break;
    }
  }
  return { zip: zipSync(files), item };
}
