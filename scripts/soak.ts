// npm run soak -- --runs N: the whole suite N times against one engine; per experiment, how many runs gave each
// verdict, and whether anything was left behind. Exit 0 only when every run of every experiment was as expected.
import { parseArgs } from 'node:util';
import { EXPERIMENTS } from '../experiments/index.js';
import { runLab } from '../src/run/lab-runner.js';
import { connectEngine } from '../src/engine/engine-connection.js';
import { EngineDriver } from '../src/engine/engine-driver.js';
import { LABEL } from '../src/run/lab-session.js';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '20' } } });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) {
    console.error(`soak: Expected --runs to be a positive whole number, got ${JSON.stringify(values.runs)}.`);
    return 2;
  }
  const counts = new Map<string, Map<string, number>>(EXPERIMENTS.map((e) => [e.slug, new Map()]));
  const started = Date.now();
  for (let i = 1; i <= runs; i++) {
    const run = await runLab([...EXPERIMENTS], { say: () => {} });
    for (const r of run.experiments) counts.get(r.slug)!.set(r.verdict, (counts.get(r.slug)!.get(r.verdict) ?? 0) + 1);
    const odd = run.experiments.filter((r) => r.verdict !== 'as expected').map((r) => `${r.slug}: ${r.verdict} (${r.error ?? r.differences.map((d) => d.detail).join('; ')})`);
    console.log(`run ${i}/${runs}: ${(run.durationMs / 1000).toFixed(1)} s${odd.length ? `; ${odd.join('; ')}` : ', all as expected'}`);
  }
  const { client } = await connectEngine(() => {});
  const d = new EngineDriver(client).dockerode;
  const filters = JSON.stringify({ label: [LABEL] });
  const left = (await d.listContainers({ all: true, filters })).length + ((await d.listVolumes({ filters })).Volumes ?? []).length;

  console.log(`\n${'experiment'.padEnd(26)} verdicts over ${runs} runs`);
  let steady = true;
  for (const [slug, byVerdict] of counts) {
    const line = [...byVerdict].map(([v, n]) => `${v} ×${n}`).join(', ');
    if (byVerdict.get('as expected') !== runs) steady = false;
    console.log(`${slug.padEnd(26)} ${line}`);
  }
  console.log(`\n${runs} runs in ${((Date.now() - started) / 1000).toFixed(0)} s; leftover shmlab containers and volumes: ${left}`);
  return steady && left === 0 ? 0 : 1;
}

main().then((code) => process.exit(code), (err) => {
  console.error(`soak: ${(err as Error).message}`);
  process.exit(2);
});
