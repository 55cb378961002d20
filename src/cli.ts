#!/usr/bin/env node
// shmlab's command line: parse, dispatch, and turn every failure into one sentence and an exit code.
import { writeFileSync } from 'node:fs';
import { EXPERIMENTS } from '../experiments/index.js';
import { parseCommand, HELP } from './cli/cli-args.js';
import type { Output } from './cli/output.js';
import { EngineUnavailableError, UsageError } from './errors.js';

const io: Output = { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`) };

async function main(argv: string[]): Promise<number> {
  const command = parseCommand(argv);
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) return io.err('shmlab: still cleaning up; please wait.');
    io.err(`shmlab: ${signal}: stopping after the current steps and cleaning up...`);
    controller.abort(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  switch (command.name) {
    case 'help':
      io.out(HELP);
      return 0;
    case 'list':
      for (const e of EXPERIMENTS) io.out(`${e.slug.padEnd(26)} ${e.section}  ${e.title}`);
      return 0;
    // Each command's modules load only when it runs: the engine client alone takes half a second to import.
    case 'clean':
      return (await import('./cli/clean-command.js')).cleanCommand(io);
    case 'compare':
      return (await import('./cli/matrix-commands.js')).compareCommand(command.files, command.out, io);
    case 'engines':
      return (await import('./cli/matrix-commands.js')).enginesCommand(command.action, command, io);
    case 'run':
    case 'matrix': {
      const code =
        command.name === 'run'
          ? await (await import('./cli/run-command.js')).runCommand(command, io, controller.signal)
          : await (await import('./cli/matrix-commands.js')).matrixCommand(command, io, controller.signal);
      if (controller.signal.aborted) return controller.signal.reason === 'SIGINT' ? 130 : 143;
      return code;
    }
  }
}

// For `npm run bench`: the process's peak memory, written where SHMLAB_STATS_FILE says.
function writeStats(): void {
  if (process.env.SHMLAB_STATS_FILE) writeFileSync(process.env.SHMLAB_STATS_FILE, JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS }));
}

main(process.argv.slice(2)).then(
  (code) => {
    writeStats();
    process.exit(code);
  },
  (err: unknown) => {
    if (err instanceof UsageError || err instanceof EngineUnavailableError) {
      io.err(`shmlab: ${err.message}`);
      process.exit(err.exitCode);
    }
    io.err(`shmlab: internal error (a bug in shmlab, please report it): ${(err as Error).stack ?? err}`);
    process.exit(3);
  },
);
