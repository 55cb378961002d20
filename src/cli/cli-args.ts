// The command line, parsed strictly: anything unknown is a usage error with one clear sentence.
import { parseArgs } from 'node:util';
import { UsageError } from '../errors.js';

export const HELP = `shmlab: shared memory and kernel parameters in containers, observed on a real engine.

Usage:
  shmlab run [--only slug,...] [--report-dir DIR] [--concurrency N]
      Run the experiments against the engine (DOCKER_HOST, else the default socket)
      and write reports/<engine>-<version>.md and .json.
  shmlab matrix [--engines FILE] [--engine name=unix:///path]... [--only slug,...]
                [--report-dir DIR] [--keep-engines]
      Provision the engines of FILE (default engines.json: Docker 20.10, 26.1, 28.5,
      Podman 4.3), run every experiment against each in parallel, write each
      engine's report and reports/matrix.md. Engines it started are stopped after,
      unless --keep-engines. --engine alone names engines already running.
  shmlab compare REPORT.json... [--out FILE]
      The matrix from JSON reports gathered elsewhere (default reports/matrix.md).
  shmlab engines up|down [--engines FILE] [--engine name=unix:///path]...
      Start the matrix's engines (when not answering already), or stop those
      shmlab started.
  shmlab list
      List the experiments.
  shmlab clean
      Remove what earlier runs left behind (containers, volumes, committed images,
      host SysV segments) and shmlab's cached images.
  shmlab --help

Exit codes: 0 all as expected, 1 an experiment differs or hit an error,
2 usage error or no usable engine, 130/143 interrupted.`;

export type Command =
  | { name: 'run'; only?: string[]; reportDir?: string; concurrency?: number }
  | { name: 'matrix'; only?: string[]; reportDir?: string; enginesFile?: string; engine?: string[]; keepEngines?: boolean }
  | { name: 'compare'; files: string[]; out?: string }
  | { name: 'engines'; action: 'up' | 'down'; enginesFile?: string; engine?: string[] }
  | { name: 'list' }
  | { name: 'clean' }
  | { name: 'help' };

const OPTIONS = {
  only: { type: 'string' },
  'report-dir': { type: 'string' },
  concurrency: { type: 'string' },
  engines: { type: 'string' },
  engine: { type: 'string', multiple: true },
  'keep-engines': { type: 'boolean' },
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Which options each command takes. */
const ALLOWED: Record<string, (keyof typeof OPTIONS)[]> = {
  run: ['only', 'report-dir', 'concurrency'],
  matrix: ['only', 'report-dir', 'engines', 'engine', 'keep-engines'],
  compare: ['out'],
  engines: ['engines', 'engine'],
  list: [],
  clean: [],
};

export function parseCommand(argv: string[]): Command {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') return { name: 'help' };
  if (!(name in ALLOWED)) throw new UsageError(`Unknown command ${JSON.stringify(name)}; the commands are ${Object.keys(ALLOWED).join(', ')} (see "shmlab --help").`);
  let parsed;
  try {
    parsed = parseArgs({ args: rest, strict: true, allowPositionals: name === 'compare' || name === 'engines', options: OPTIONS });
  } catch (err) {
    throw new UsageError(`${(err as Error).message.replace(/\. To specify.*$/s, '')}; see "shmlab --help".`);
  }
  const { values, positionals } = parsed;
  if (values.help) return { name: 'help' };
  const misplaced = Object.keys(values).find((k) => !ALLOWED[name]!.includes(k as keyof typeof OPTIONS));
  if (misplaced) throw new UsageError(`"shmlab ${name}" takes no --${misplaced}; see "shmlab --help".`);
  const only = values.only?.split(',').map((s) => s.trim()).filter(Boolean);
  if (values.only !== undefined && !only?.length) throw new UsageError('Expected --only to name at least one experiment, e.g. --only sysv-restart,mmap-restart.');
  switch (name) {
    case 'run': {
      const concurrency = values.concurrency === undefined ? undefined : Number(values.concurrency);
      if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency > 0)) {
        throw new UsageError(`Expected --concurrency to be a positive whole number, got ${JSON.stringify(values.concurrency)}.`);
      }
      return { name, only, reportDir: values['report-dir'], concurrency };
    }
    case 'matrix':
      return { name, only, reportDir: values['report-dir'], enginesFile: values.engines, engine: values.engine, keepEngines: values['keep-engines'] };
    case 'compare':
      return { name, files: positionals, out: values.out };
    case 'engines': {
      const [action, ...extra] = positionals;
      if ((action !== 'up' && action !== 'down') || extra.length) throw new UsageError('Expected "shmlab engines up" or "shmlab engines down".');
      return { name, action, enginesFile: values.engines, engine: values.engine };
    }
    default:
      return { name: name as 'list' | 'clean' };
  }
}
