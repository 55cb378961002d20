// The command line, parsed strictly: anything unknown is a usage error with one clear sentence.
import { parseArgs } from 'node:util';
import { UsageError } from '../errors.js';
import type { FamilyName } from '../model/family.js';
import { type FleetCommand, parseFleetCommand } from './fleet-args.js';
import type { RunOptions } from './run-command.js';

/** `run --engine cri=…` or `docker=…`: the family each drives (docker: any Docker API engine, Podman's too). */
const ENGINE_OPTION_FAMILY: Record<'cri' | 'docker', FamilyName> = { cri: 'cri', docker: 'docker-api' };

export const HELP = `shmlab: shared memory and kernel parameters in containers, observed on a real engine.

Usage:
  shmlab run [--only slug,...] [--report-dir DIR] [--concurrency N] [--timeout SECONDS]
             [--engine cri=unix:///path | docker=unix:///path] [--no-host-changes]
             [--experiments DIR] [--junit FILE] [--json]
      Run the experiments against the engine (a Kubernetes node runtime when
      CONTAINER_RUNTIME_ENDPOINT is set, as for crictl; else DOCKER_HOST, else the
      default socket) and write reports/<engine>-<version>.md and .json (an interrupted run writes
      <engine>-<version>.partial.md and .json beside them instead). --timeout: how
      long to wait for any one answer of the engine (1 to 3600 s, default 60). --no-host-changes:
      leave out the experiment that changes the host's IPC sysctls for a moment
      (it restores them on every path; the summary says it was left out).
      --experiments: also the experiments of DIR (each *.js or *.mjs file
      default-exports one or a list; DIR/bin/ and DIR/c-src/*.c add programs to
      the images; see examples/README.md); --only may name them. --junit: also
      write the results as JUnit XML (one test case per experiment). --run-options FILE:
      what shmlab matrix tells each engine's run (its engine and settings). --json: the
      summary line as one JSON object (counts, seconds, the report's files).
  shmlab matrix [--engines FILE] [--engine name=unix:///path]... [--only slug,...]
                [--report-dir DIR] [--keep-engines] [--no-host-changes]
                [--experiments DIR] [--junit FILE]
      Provision the engines of FILE (default shmlab's engines.json: Docker, Podman,
      rootless ones, containerd, with runc, crun, gVisor), run every experiment against each in parallel, write each
      engine's report and reports/matrix.md. Engines it started are stopped after,
      unless --keep-engines. --engine alone names engines already running.
      --experiments and --junit as for run (--junit: one test suite per engine).
  shmlab compare REPORT.json... [--out FILE] [--junit FILE]
      The matrix from JSON reports gathered elsewhere (default reports/matrix.md),
      with each report's .md beside it (named as its JSON file), columns in the
      matrix's order; the same report twice is refused. --junit: also the results
      as JUnit XML (one test suite per report).
  shmlab engines up|down [--engines FILE] [--engine name=unix:///path]...
      Start the matrix's engines (when not answering already), or stop those
      shmlab started.
  shmlab list [--json]
      List the experiments (--json: as a JSON list of {slug, section, title}).
  shmlab clean [--timeout SECONDS]
      Remove what runs that are proven dead left behind (containers, volumes,
      committed images, host SysV segments, unfinished build folders) and the
      cached images no live run uses.
  shmlab fleet manifests --image REF [--runtime-class NAME] [--node NAME [--clean]]
                         [--socket containerd|docker]
      Print the Kubernetes manifests (YAML for "kubectl apply -f -"): the namespace
      shmlab and a DaemonSet that runs shmlab once on every node, against the node's
      containerd socket (--socket docker: Docker's or Podman's), with what its pod
      needs of the node and why as comments; --node NAME: a Job for that node
      alone instead of the DaemonSet; with --clean, a Job that runs "shmlab fleet
      clean" there. REF: the image of "shmlab fleet image".
  shmlab fleet gather [--namespace NS] [--out DIR] [--kubeconfig FILE] [--context NAME]
      Read each shmlab pod's log through the Kubernetes API (the kubeconfig as
      kubectl finds it), and write each node's report as DIR/<node>.json and .md
      and DIR/matrix.md, a column per node (default DIR: reports/fleet); a node
      whose pod gave no report gets a column that says why, and exit code 1.
  shmlab fleet image --out FILE
      Write shmlab's OCI image (its entrypoint is "shmlab fleet pod") as an archive,
      built from this machine's files (Node.js, shmlab, its programs, busybox),
      and print its reference (localhost/shmlab/fleet:<hash of its content>).
  shmlab fleet pod [--stay]
      The image's entrypoint: run against the node's engine socket, write the
      report pair to /reports and print the JSON report into the log; --stay:
      then wait (a DaemonSet's pod must not end).
  shmlab fleet clean
      "shmlab clean" against the engine whose socket is mounted (in a Job's pod).
  shmlab --help | --version
  shmlab COMMAND --help
      That command's usage alone (shmlab fleet SUB --help: that fleet command's).

Environment: DOCKER_HOST (the Docker API engine; default unix:///var/run/docker.sock),
CONTAINER_RUNTIME_ENDPOINT (a containerd's CRI socket: run over CRI instead), SHMLAB_CTR (the ctr
that imports images into it), SHMLAB_CACHE_DIR (compiled programs, fetched packages; else
$XDG_CACHE_HOME/shmlab or ~/.cache/shmlab), SHMLAB_BUSYBOX (a static busybox for the images),
SHMLAB_RUNTIME_DIR (run records and locks; else /run/shmlab), KUBECONFIG (fleet gather),
NODE_NAME (fleet pod: the node's name for its report).

Exit codes: 0 all as expected, 1 an experiment differs or hit an error, or the
report could not be written, 2 usage error or no usable engine, 129/130/143
interrupted by SIGHUP/SIGINT/SIGTERM (a second signal ends shmlab at once).`;

export type Command =
  | ({ name: 'run' } & RunOptions)
  | {
      name: 'matrix';
      only?: string[];
      reportDir?: string;
      enginesFile?: string;
      engine?: string[];
      keepEngines?: boolean;
      noHostChanges?: boolean;
      experimentsDir?: string;
      junit?: string;
    }
  | { name: 'compare'; files: string[]; out?: string; junit?: string }
  | { name: 'engines'; action: 'up' | 'down'; enginesFile?: string; engine?: string[] }
  | { name: 'list'; json?: boolean }
  | { name: 'clean'; deadlineMs?: number }
  | { name: 'fleet'; fleet: FleetCommand }
  | { name: 'help'; topic?: string }
  | { name: 'version' };

const OPTIONS = {
  only: { type: 'string' },
  'run-options': { type: 'string' },
  'report-dir': { type: 'string' },
  concurrency: { type: 'string' },
  timeout: { type: 'string' },
  engines: { type: 'string' },
  engine: { type: 'string', multiple: true },
  'keep-engines': { type: 'boolean' },
  'no-host-changes': { type: 'boolean' },
  out: { type: 'string' },
  experiments: { type: 'string' },
  junit: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Which options each command takes. */
const ALLOWED: Record<string, (keyof typeof OPTIONS)[]> = {
  run: ['only', 'report-dir', 'concurrency', 'timeout', 'engine', 'no-host-changes', 'experiments', 'junit', 'run-options', 'json'],
  matrix: ['only', 'report-dir', 'engines', 'engine', 'keep-engines', 'no-host-changes', 'experiments', 'junit'],
  compare: ['out', 'junit'],
  engines: ['engines', 'engine'],
  list: ['json'],
  clean: ['timeout'],
};

const VALUED = new Set(
  Object.entries(OPTIONS)
    .filter(([, o]) => o.type === 'string')
    .map(([k]) => `--${k}`),
);

/**
 * `--timeout -1`: parseArgs takes a value that begins with a dash for an option ("argument is ambiguous"). A value
 * that looks like a number is given to its option, whose own check then answers it in one sentence.
 */
function withDashedValues(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') return [...out, ...args.slice(i)];
    const next = args[i + 1];
    if (VALUED.has(arg) && next !== undefined && /^-[\d.]/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

export function parseCommand(argv: string[]): Command {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') return { name: 'help' };
  if (name === '--version' || name === '-V' || name === 'version') return { name: 'version' };
  // fleet has sub-commands, each with options of its own.
  if (name === 'fleet') {
    const fleet = parseFleetCommand(rest);
    return fleet === 'help' ? { name: 'help', topic: rest[0] && !rest[0].startsWith('-') ? `fleet ${rest[0]}` : 'fleet' } : { name, fleet };
  }
  if (!Object.hasOwn(ALLOWED, name))
    throw new UsageError(`Unknown command ${JSON.stringify(name)}; the commands are ${[...Object.keys(ALLOWED), 'fleet'].join(', ')} (see "shmlab --help").`);
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; strict: true; allowPositionals: boolean; options: typeof OPTIONS }>>;
  try {
    parsed = parseArgs({ args: withDashedValues(rest), strict: true, allowPositionals: name === 'compare' || name === 'engines', options: OPTIONS });
  } catch (err) {
    throw new UsageError(`${(err as Error).message.replace(/\. To specify.*$/s, '')}; see "shmlab --help".`);
  }
  const { values, positionals } = parsed;
  if (values.help) return { name: 'help', topic: name };
  const misplaced = Object.keys(values).find((k) => !ALLOWED[name]!.includes(k as keyof typeof OPTIONS));
  if (misplaced) throw new UsageError(`"shmlab ${name}" takes no --${misplaced}; see "shmlab --help".`);
  const only = values.only
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (values.only !== undefined && !only?.length)
    throw new UsageError('Expected --only to name at least one experiment, e.g. --only sysv-restart,mmap-restart.');
  const twice = only?.find((slug, i) => only.indexOf(slug) !== i);
  if (twice) throw new UsageError(`--only names ${twice} twice; name each experiment once.`);
  if (values['report-dir'] !== undefined && values['report-dir'].trim() === '')
    throw new UsageError('Expected --report-dir to name a folder, got an empty name.');
  if (values.experiments !== undefined && values.experiments.trim() === '')
    throw new UsageError('Expected --experiments to name a folder of experiment modules, got an empty name.');
  if (values.junit !== undefined && values.junit.trim() === '')
    throw new UsageError('Expected --junit to name the JUnit XML file to write, got an empty name.');
  // Plain decimals only: Number() would also take "0x10", "1e3" or " 5 ".
  const timeout = values.timeout === undefined ? undefined : /^\d{1,4}(\.\d{1,3})?$/.test(values.timeout) ? Number(values.timeout) : Number.NaN;
  if (timeout !== undefined && !(timeout >= 1 && timeout <= 3600)) {
    throw new UsageError(`Expected --timeout to be a number of seconds from 1 to 3600 (such as 60 or 2.5), got ${JSON.stringify(values.timeout)}.`);
  }
  const deadlineMs = timeout === undefined ? undefined : Math.round(timeout * 1000);
  switch (name) {
    case 'run': {
      const concurrency = values.concurrency === undefined ? undefined : /^\d{1,4}$/.test(values.concurrency) ? Number(values.concurrency) : Number.NaN;
      if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency > 0)) {
        throw new UsageError(`Expected --concurrency to be a positive whole number, got ${JSON.stringify(values.concurrency)}.`);
      }
      if ((values.engine?.length ?? 0) > 1) throw new UsageError('"shmlab run" takes one --engine; "shmlab matrix" compares several.');
      const given = values.engine?.[0];
      const engine = given === undefined ? undefined : /^(cri|docker)=(unix:\/\/\/.+|tcp:\/\/.+)$/.exec(given);
      if (given !== undefined && (!engine || (engine[1] === 'cri' && !engine[2]!.startsWith('unix://')))) {
        throw new UsageError(`Expected --engine cri=unix:///path/to/containerd.sock or docker=unix:///path/to/docker.sock, got ${JSON.stringify(given)}.`);
      }
      return {
        name,
        only,
        reportDir: values['report-dir'],
        concurrency,
        deadlineMs,
        engine: engine ? { family: ENGINE_OPTION_FAMILY[engine[1] as 'cri' | 'docker'], address: engine[2]! } : undefined,
        noHostChanges: values['no-host-changes'],
        experimentsDir: values.experiments,
        junit: values.junit,
        runOptionsFile: values['run-options'],
        json: values.json,
      };
    }
    case 'matrix':
      return {
        name,
        only,
        reportDir: values['report-dir'],
        enginesFile: values.engines,
        engine: values.engine,
        keepEngines: values['keep-engines'],
        noHostChanges: values['no-host-changes'],
        experimentsDir: values.experiments,
        junit: values.junit,
      };
    case 'compare':
      return { name, files: positionals, out: values.out, junit: values.junit };
    case 'engines': {
      const [action, ...extra] = positionals;
      if ((action !== 'up' && action !== 'down') || extra.length) throw new UsageError('Expected "shmlab engines up" or "shmlab engines down".');
      return { name, action, enginesFile: values.engines, engine: values.engine };
    }
    case 'clean':
      return { name, deadlineMs };
    default:
      return { name: name as 'list', json: values.json };
  }
}
