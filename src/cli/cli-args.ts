// The command line, parsed strictly: anything unknown is a usage error with one clear sentence.
import { parseArgs } from 'node:util';
import { UsageError } from '../errors.js';

export const HELP = `shmlab: shared memory and kernel parameters in containers, observed on a real engine.

Usage:
  shmlab run [--only slug,...] [--report-dir DIR] [--concurrency N]
      Run the experiments against the engine (DOCKER_HOST, else the default socket)
      and write reports/<engine>-<version>.md and .json.
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
  | { name: 'list' }
  | { name: 'clean' }
  | { name: 'help' };

export function parseCommand(argv: string[]): Command {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') return { name: 'help' };
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      strict: true,
      allowPositionals: false,
      options: {
        only: { type: 'string' },
        'report-dir': { type: 'string' },
        concurrency: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError(`${(err as Error).message.replace(/\. To specify.*$/s, '')}; see "shmlab --help".`);
  }
  const { values } = parsed;
  if (values.help) return { name: 'help' };
  switch (name) {
    case 'run': {
      const concurrency = values.concurrency === undefined ? undefined : Number(values.concurrency);
      if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency > 0)) {
        throw new UsageError(`Expected --concurrency to be a positive whole number, got ${JSON.stringify(values.concurrency)}.`);
      }
      const only = values.only?.split(',').map((s) => s.trim()).filter(Boolean);
      if (values.only !== undefined && !only?.length) throw new UsageError('Expected --only to name at least one experiment, e.g. --only sysv-restart,mmap-restart.');
      return { name, only, reportDir: values['report-dir'], concurrency };
    }
    case 'list':
    case 'clean':
      if (Object.keys(values).length) throw new UsageError(`"shmlab ${name}" takes no options; see "shmlab --help".`);
      return { name };
    default:
      throw new UsageError(`Unknown command ${JSON.stringify(name)}; the commands are run, list and clean (see "shmlab --help").`);
  }
}
