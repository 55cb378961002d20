#!/usr/bin/env node
// shmlab's command line: parse, dispatch, and turn every failure into one sentence and an exit code.
import { CATALOG, EXPERIMENTS } from '../experiments/index.js';
import { type Command, HELP, parseCommand } from './cli/cli-args.js';
import type { FleetCommand } from './cli/fleet-args.js';
import type { Output } from './cli/output.js';
import { useProcessSignal } from './engine/interruption.js';
import {
  ClusterUnavailableError,
  EngineUnavailableError,
  engineFailureSentence,
  InterruptedError,
  oneLine,
  plainWords,
  SetupError,
  UsageError,
} from './errors.js';
import { HARNESS_VERSION } from './paths.js';

/** 128 + the signal's number, as shells report it. A hang-up is treated as a termination: clean up, then exit. */
const EXIT_ON: Record<string, number> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

const io: Output = { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`) };

const controller = new AbortController();
/** The command being run, for what a failure's sentence advises. */
let commandName = 'run';

async function main(argv: string[]): Promise<number> {
  const command = parseCommand(argv);
  commandName = command.name;
  // Every wait of this process listens to it, whoever started the wait (a lab of `clean`, a compile, a load).
  useProcessSignal(controller.signal);
  // The first signal stops the run after its current steps and cleans up; a second one ends shmlab at once.
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      io.err(
        `shmlab: ${signal} again: exiting now, without cleaning up; what this run created may be left behind, and "shmlab clean" (or the next run) removes it.`,
      );
      process.exit(EXIT_ON[signal] ?? 143);
    }
    io.err(`shmlab: ${signal}: stopping after the current steps and cleaning up...`);
    controller.abort(signal);
  };
  for (const signal of Object.keys(EXIT_ON) as NodeJS.Signals[]) process.on(signal, onSignal);
  const code = await dispatch(command);
  // Interrupted: the signal's exit code, whatever the command made of the end of its run.
  return signalled() ?? code;
}

async function dispatch(command: Command): Promise<number> {
  switch (command.name) {
    case 'help':
      io.out(command.topic ? (await import('./cli/help.js')).helpFor(command.topic) : HELP);
      return 0;
    case 'version':
      io.out(`shmlab ${HARNESS_VERSION}`);
      return 0;
    case 'list':
      if (command.json) io.out(JSON.stringify(EXPERIMENTS.map((e) => ({ slug: e.slug, section: e.section, title: e.title }))));
      else for (const e of EXPERIMENTS) io.out(`${e.slug.padEnd(26)} ${e.section}  ${e.title}`);
      return 0;
    // Each command's modules load only when it runs: the engine client alone takes half a second to import.
    case 'clean':
      return (await import('./cli/clean-command.js')).cleanCommand(io, CATALOG.images, command.deadlineMs);
    case 'compare':
      return (await import('./cli/compare-command.js')).compareCommand(command, io);
    case 'engines':
      return (await import('./cli/matrix-commands.js')).enginesCommand(command.action, command, io);
    case 'run':
      return (await import('./cli/run-command.js')).runCommand(command, io, controller.signal);
    case 'matrix':
      return (await import('./cli/matrix-commands.js')).matrixCommand(command, io, controller.signal);
    case 'fleet':
      return fleet(command.fleet);
  }
}

// The Kubernetes client alone takes most of a second to import: only manifests and gather load it.
async function fleet(command: FleetCommand): Promise<number> {
  switch (command.action) {
    case 'image':
      return (await import('./fleet/image-command.js')).imageCommand({ out: command.out }, io, controller.signal);
    case 'pod':
      return (await import('./fleet/pod-command.js')).podCommand({ stay: command.stay }, io, controller.signal);
    case 'clean':
      return (await import('./fleet/pod-command.js')).podCleanCommand(io);
    case 'manifests':
      return (await import('./fleet/manifests.js')).manifestsCommand(command, io);
    case 'gather':
      return (await import('./fleet/gather.js')).gatherCommand(command, io);
  }
}

// For `npm run bench`: the process's peak memory and its own CPU time, written where SHMLAB_STATS_FILE says (the writer
// loads only then).
async function writeStats(): Promise<void> {
  const file = process.env.SHMLAB_STATS_FILE;
  if (!file) return;
  const use = process.resourceUsage();
  const stats = { maxRssKb: use.maxRSS, cpuMs: Math.round((use.userCPUTime + use.systemCPUTime) / 1000) };
  (await import('./report/write-report.js')).writeFileAtomically(file, JSON.stringify(stats));
}

/** The exit code of the signal that interrupted this process, if one did. */
function signalled(): number | undefined {
  return controller.signal.aborted ? (EXIT_ON[controller.signal.reason as string] ?? 143) : undefined;
}

main(process.argv.slice(2)).then(
  async (code) => {
    await writeStats().catch((err: Error) => io.err(`shmlab: the stats were not written: ${err.message}`));
    process.exit(code);
  },
  (err: unknown) => {
    // A wait a signal ended (connecting, building, loading the user's modules): the signal's exit code.
    if (err instanceof InterruptedError) {
      io.err(`shmlab: ${oneLine(err.message)}`);
      process.exit(signalled() ?? 143);
    }
    if (err instanceof UsageError || err instanceof EngineUnavailableError || err instanceof SetupError || err instanceof ClusterUnavailableError) {
      io.err(`shmlab: ${plainWords(oneLine(err.message))}`);
      process.exit(signalled() ?? err.exitCode);
    }
    // The engine failed outside any experiment (while building, listing, cleaning): its words, and exit 2.
    const engineFailure = engineFailureSentence(err, commandName);
    if (engineFailure) {
      io.err(`shmlab: ${engineFailure}`);
      process.exit(signalled() ?? 2);
    }
    io.err(`shmlab: internal error (a bug in shmlab, please report it): ${(err as Error).stack ?? err}`);
    process.exit(3);
  },
);
