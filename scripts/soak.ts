// npm run soak -- --runs N: the whole suite N times against one engine; per experiment, how many runs gave each
// verdict, and whether anything was left behind (containers, volumes, committed images, host segments). Exit 0 only
// when every run of every experiment was as expected and nothing was left. A signal stops it after the current run's
// steps, cleaned up, as `shmlab run` does.
import { parseArgs } from 'node:util';
import { CATALOG, EXPERIMENTS } from '../experiments/index.js';
import { listHostSegments } from '../src/lab/host-segments.js';
import { openLab } from '../src/run/lab.js';
import { runLab } from '../src/run/lab-runner.js';

const EXIT_ON: Record<string, number> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '20' } } });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) {
    console.error(`soak: Expected --runs to be a positive whole number, got ${JSON.stringify(values.runs)}.`);
    return 2;
  }
  const controller = new AbortController();
  for (const signal of Object.keys(EXIT_ON)) {
    process.on(signal, () => {
      if (controller.signal.aborted) process.exit(EXIT_ON[signal]);
      console.error(`soak: ${signal}: stopping after the current steps and cleaning up...`);
      controller.abort(signal);
    });
  }
  const counts = new Map<string, Map<string, number>>(EXPERIMENTS.map((e) => [e.slug, new Map()]));
  const started = Date.now();
  let done = 0;
  for (let i = 1; i <= runs && !controller.signal.aborted; i++) {
    const run = await runLab([...EXPERIMENTS], { say: () => {}, images: CATALOG.images, signal: controller.signal });
    if (run.incomplete) break;
    done++;
    for (const r of run.experiments) counts.get(r.slug)!.set(r.verdict, (counts.get(r.slug)!.get(r.verdict) ?? 0) + 1);
    const odd = run.experiments
      .filter((r) => r.verdict !== 'as expected')
      .map((r) => `${r.slug}: ${r.verdict} (${r.error ?? r.differences.map((d) => d.detail).join('; ')})`);
    console.log(`run ${i}/${runs}: ${(run.durationMs / 1000).toFixed(1)} s${odd.length ? `; ${odd.join('; ')}` : ', all as expected'}`);
  }
  const lab = await openLab({ say: () => {}, images: CATALOG.images });
  const left: Record<string, number> = Object.fromEntries(Object.entries(await lab.inventory()).map(([kind, items]) => [kind, items.length]));
  left['host segments'] = (await listHostSegments(lab.hostIpc)).length;
  await lab.close();
  const leftTotal = Object.values(left).reduce((a, b) => a + b, 0);

  console.log(`\n${'experiment'.padEnd(26)} verdicts over ${done} runs`);
  let steady = true;
  for (const [slug, byVerdict] of counts) {
    const line = [...byVerdict].map(([v, n]) => `${v} ×${n}`).join(', ');
    if (byVerdict.get('as expected') !== done) steady = false;
    console.log(`${slug.padEnd(26)} ${line}`);
  }
  console.log(
    `\n${done} runs in ${((Date.now() - started) / 1000).toFixed(0)} s; left behind: ${Object.entries(left)
      .map(([k, n]) => `${n} ${k}`)
      .join(', ')}`,
  );
  if (controller.signal.aborted) return EXIT_ON[String(controller.signal.reason)] ?? 143;
  return steady && leftTotal === 0 && done === runs ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`soak: ${(err as Error).message}`);
    process.exit(2);
  },
);
