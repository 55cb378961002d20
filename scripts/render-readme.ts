// node dist/scripts/render-readme.js: writes the README's findings blocks (between `<!-- shmlab:begin NAME -->` and
// `<!-- shmlab:end NAME -->`) from the committed full reports in reports/, so that every number and outcome the README
// shows is one a report holds. `--check` changes nothing and exits 1 when a block differs from what the reports give.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CATALOG } from '../experiments/index.js';
import { ROOT } from '../src/paths.js';
import { committedRuns } from '../src/report/committed-reports.js';
import { blocksIn, renderReadmeBlocks, replaceBlocks } from '../src/report/render-readme.js';
import { writeFilesAtomically } from '../src/report/write-report.js';

function main(): number {
  const readme = join(ROOT, 'README.md');
  const text = readFileSync(readme, 'utf8');
  const blocks = renderReadmeBlocks(committedRuns(join(ROOT, 'reports')), CATALOG);
  const next = replaceBlocks(text, blocks);
  if (process.argv.includes('--check')) {
    const stale = Object.keys(blocks).filter((name) => blocksIn(text)[name] !== blocks[name]);
    if (stale.length) console.error(`render-readme: README.md blocks differ from the reports: ${stale.join(', ')}; run node dist/scripts/render-readme.js.`);
    return stale.length ? 1 : 0;
  }
  if (next !== text) writeFilesAtomically([[readme, next]]);
  console.log(`render-readme: ${Object.keys(blocks).length} block(s) ${next === text ? 'already as the reports give them' : 'written'}`);
  return 0;
}

try {
  process.exitCode = main();
} catch (err) {
  console.error(`render-readme: ${(err as Error).message}`);
  process.exitCode = 2;
}
