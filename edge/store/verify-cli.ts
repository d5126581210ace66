// Usage: npm run verify -- <path/to/venue.db>
// Walks the whole chain and prints every broken range (exit 1), or that it is intact (exit 0).
import Database from 'better-sqlite3';
import { describeFinding, verifyChain } from './verify.ts';

const file = process.argv[2];
if (!file) {
  console.error('usage: npm run verify -- <path to the venue database, e.g. data/jincheng/halledge.db>');
  process.exit(2);
}
// Read-only: an audit must not change the file it audits (no migrations, no journal mode).
const report = verifyChain(new Database(file, { readonly: true, fileMustExist: true }));
if (report.ok) {
  console.log(`chain intact: ${report.events} events, head #${report.headSeq} ${report.headHash}`);
} else {
  console.error(
    `chain BROKEN: ${report.findings.length} finding(s) over ${report.events} events read to #${report.headSeq}`,
  );
  for (const finding of report.findings) console.error(`  ${describeFinding(finding)}`);
  process.exit(1);
}
