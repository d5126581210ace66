// Usage: npm run verify -- <path/to/venue.db>
import { openDatabase } from './database.ts';
import { verifyChain } from './verify.ts';

const file = process.argv[2];
if (!file) {
  console.error('usage: npm run verify -- <path to the venue database, e.g. data/jincheng/halledge.db>');
  process.exit(2);
}
const verdict = verifyChain(openDatabase(file));
if (verdict.ok) {
  console.log(`chain intact: ${verdict.events} events, head #${verdict.headSeq} ${verdict.headHash}`);
} else {
  console.error(
    `chain BROKEN at event #${verdict.brokenAt}: ${verdict.reason} (${verdict.events} events verified before it)`,
  );
  process.exit(1);
}
