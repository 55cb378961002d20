// `shmlab fleet pod [--stay]`: the fleet image's entrypoint. It runs shmlab against the engine whose socket is mounted
// into its container (a node's containerd, or a Docker or Podman socket), writes the report pair to /reports and, at
// the end, the JSON report to stdout as one marked block, so that the pod's log (`kubectl logs`) carries it.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { IMAGES } from '../../experiments/images.js';
import { CATALOG, EXPERIMENTS } from '../../experiments/index.js';
import type { Output } from '../cli/output.js';
import { runCommand } from '../cli/run-command.js';
import { InterruptedError, oneLine, SetupError } from '../errors.js';
import { FAMILIES, type FamilyName } from '../model/family.js';
import type { RunOptionsFile } from '../model/run-options-file.js';
import { encodeReportBlock } from './log-block.js';
import { SOCKETS } from './pod-needs.js';

interface PodOptions {
  /** Stay alive after the run (a DaemonSet's pod must not exit, or it is restarted). */
  stay?: boolean;
}

/** Where the manifests mount a node's runtime socket, with the family that drives it. */
const MOUNTED: readonly { path: string; family: FamilyName }[] = [
  { path: SOCKETS.containerd.mountPath, family: 'cri' },
  { path: SOCKETS.docker.mountPath, family: 'docker-api' },
];

const REPORTS = '/reports';

/** The experiments a fleet run leaves out, and why: the image carries no PostgreSQL (it would add its packages and libraries). */
export function fleetExperiments(): { only: string[]; left: string[] } {
  const needsPostgres = (e: (typeof EXPERIMENTS)[number]) => Object.values(e.containers).some((c) => IMAGES[c.image ?? 'lab']?.adds === 'postgresql');
  return { only: EXPERIMENTS.filter((e) => !needsPostgres(e)).map((e) => e.slug), left: EXPERIMENTS.filter(needsPostgres).map((e) => e.slug) };
}

function mountedEngine(): { family: FamilyName; address: string } {
  const found = MOUNTED.filter((s) => existsSync(s.path));
  if (found.length !== 1) {
    throw new SetupError(
      found.length
        ? `Both ${found.map((s) => s.path).join(' and ')} are mounted: mount only the socket of the engine to test.`
        : `No engine socket is mounted at ${MOUNTED.map((s) => s.path).join(' or ')}: mount the node's runtime socket there (shmlab fleet manifests does).`,
    );
  }
  return { family: found[0]!.family, address: `unix://${found[0]!.path}` };
}

/** `shmlab fleet clean`: `shmlab clean` against the engine whose socket is mounted (a Job on a node whose pod was killed). */
export async function podCleanCommand(io: Output): Promise<number> {
  const engine = mountedEngine();
  // Only the mounted engine's address: another family's variable in the pod's environment must not choose the engine.
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const family of Object.values(FAMILIES)) delete env[family.addressVariable];
  env[FAMILIES[engine.family].addressVariable] = engine.address;
  return (await import('../cli/clean-command.js')).cleanCommand(io, CATALOG.images, undefined, env);
}

export async function podCommand(options: PodOptions, io: Output, signal: AbortSignal): Promise<number> {
  const engine = mountedEngine();
  const node = process.env.NODE_NAME?.trim() || hostname();
  const { only, left } = fleetExperiments();
  const work = mkdtempSync(join(tmpdir(), 'shmlab-pod-'));
  let code: number;
  let report: string | undefined;
  try {
    const runOptions: RunOptionsFile = {
      engine,
      ...(engine.family === 'cri' && process.env.SHMLAB_CTR ? { ctr: process.env.SHMLAB_CTR } : {}),
      details: [
        `Node: ${node}`,
        `Run from: shmlab's fleet image, in a container given the engine's socket at ${engine.address.slice('unix://'.length)}`,
        `Left out: ${left.join(', ')} (the fleet image carries no PostgreSQL)`,
      ],
      resultFile: join(work, 'result.json'),
    };
    writeFileSync(join(work, 'run-options.json'), JSON.stringify(runOptions));
    try {
      code = await runCommand(
        { runOptionsFile: join(work, 'run-options.json'), only, reportDir: existsSync(REPORTS) ? REPORTS : join(work, 'reports') },
        io,
        signal,
      );
    } catch (err) {
      // A DaemonSet's pod that exits is started again and would run again: it says why and stays, without a report.
      if (!options.stay || err instanceof InterruptedError) throw err;
      io.err(`shmlab: the run failed, so the log carries no report: ${oneLine((err as Error).message)}`);
      code = 2;
    }
    if (existsSync(runOptions.resultFile)) report = (JSON.parse(readFileSync(runOptions.resultFile, 'utf8')) as { json: string }).json;
    if (report) for (const line of encodeReportBlock(basename(report), readFileSync(report, 'utf8'))) io.out(line);
    else io.err('shmlab: no report was written, so the log carries none');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  if (options.stay && !signal.aborted) {
    io.out(`shmlab: done (exit code ${code}); staying up until the pod is deleted`);
    await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
  }
  return code;
}
