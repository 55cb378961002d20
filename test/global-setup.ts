// Before the engine tests (the `engine` project only): an engine to test against, set up visibly when none is
// configured or running. After them: a check that no test wrote into the tracked reports/ (tests write their
// reports into folders of their own; a report there would be taken for a real run's).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ensureEngine } from '../src/docker/docker-connection.js';
import { ROOT } from '../src/paths.js';

const TRACKED_REPORTS = join(ROOT, 'reports');

/** Each file of reports/ with its size and time of change. */
function reportsState(): string[] {
  if (!existsSync(TRACKED_REPORTS)) return [];
  return readdirSync(TRACKED_REPORTS)
    .map((name) => {
      const st = statSync(join(TRACKED_REPORTS, name));
      return `${name} ${st.size} ${st.mtimeMs}`;
    })
    .sort();
}

export default async function setup(): Promise<() => void> {
  const before = reportsState();
  await ensureEngine((line) => console.log(`shmlab: ${line}`));
  return () => {
    const after = reportsState();
    const changed = [...after.filter((f) => !before.includes(f)), ...before.filter((f) => !after.includes(f))].map((f) => f.split(' ')[0]);
    if (!changed.length) return;
    // Vitest prints an error thrown here but still exits 0: the exit code is set too.
    process.exitCode = 1;
    throw new Error(`A test wrote into the tracked ${TRACKED_REPORTS}: ${[...new Set(changed)].join(', ')}. Tests write reports into folders of their own.`);
  };
}
