// One exec for several steps: run-steps (compiled here from c-src, run on this host as a container's exec would run it)
// and what shmlab records of its frames: each step its own outcome, its own command, and the one exec beside it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOT_HUNG_MS } from '../../test/not-hung.js';
import { dockerCommand } from '../docker/docker-driver.js';
import type { ExecOutcome, LabDriver } from '../engine/lab-driver.js';
import type { LabContext } from '../lab/lab-context.js';
import type { LabSession } from '../lab/lab-session.js';
import type { ResourceTracker } from '../lab/resource-tracker.js';
import type { Experiment, Step } from '../model/experiment.js';
import { C_SRC } from '../paths.js';
import { ExperimentState } from './actions/experiment-state.js';
import { execsAloneOn } from './lab-runner.js';
import { parseFrames, RUN_STEPS, runShared, sharedRun } from './shared-exec.js';

let dir: string;
let program: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shmlab-run-steps-'));
  program = join(dir, RUN_STEPS);
  await execa('cc', ['-static', '-O2', '-Wall', '-Wextra', '-Werror', '-o', program, join(C_SRC, 'run-steps.c'), join(C_SRC, 'common.c')]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const exec = (id: string, cmd: string[], container = 'app'): Step => ({ id, do: 'exec', container, cmd });
const commandFor = (action: Parameters<typeof dockerCommand>[0], _handle: string, cmd?: string[]) => dockerCommand(action, 'app', cmd);

/** A driver whose exec runs the command on this host, run-steps as the compiled program. */
function hostDriver(calls: string[][], fail?: Error): LabDriver {
  return {
    commandFor,
    exec: async (_handle: string, cmd: string[]): Promise<ExecOutcome> => {
      calls.push(cmd);
      if (fail) throw fail;
      const r = await execa(cmd[0] === RUN_STEPS ? program : cmd[0]!, cmd.slice(1), { reject: false, encoding: 'buffer', stripFinalNewline: false });
      const stdoutBytes = Buffer.from(r.stdout);
      return { exitCode: r.exitCode ?? 128 + 9, stdout: stdoutBytes.toString(), stderr: Buffer.from(r.stderr).toString(), stdoutBytes };
    },
  } as unknown as LabDriver;
}

function stateWith(driver: LabDriver, steps: Step[]): ExperimentState {
  const experiment = { slug: 'demo', containers: { app: {} }, steps } as unknown as Experiment;
  const ctx = { driver, session: { runId: 'r' } as LabSession, signal: new AbortController().signal } as LabContext;
  const state = new ExperimentState(experiment, ctx, {} as ResourceTracker);
  state.ids.set('app', 'abc123');
  return state;
}

describe('sharedRun', () => {
  const steps: Step[] = [
    { id: 'run', do: 'run', container: 'app' },
    exec('a', ['sysv-write']),
    exec('b', ['sysv-read']),
    exec('c', ['sysv-read'], 'other'),
    exec('d', ['sh', '-c', 'x ; y']),
    exec('e', ['find', '.', '-exec', 'true', ';']),
  ];

  it('takes the consecutive execs of one container that are taken here', () => {
    expect(sharedRun(steps, 1, () => true).map((s) => s.id)).toEqual(['a', 'b']);
    expect(sharedRun(steps, 0, () => true)).toEqual([]);
    expect(sharedRun(steps, 2, () => true)).toEqual([]);
    expect(sharedRun(steps, 1, (s) => s.id !== 'b')).toEqual([]);
  });

  it("stops before a step with run-steps' separator among its arguments (a ';' inside an argument is no separator)", () => {
    expect(sharedRun(steps, 3, () => true)).toEqual([]);
    expect(sharedRun([exec('d', ['sh', '-c', 'x ; y']), exec('d2', ['true'])], 0, () => true).map((s) => s.id)).toEqual(['d', 'd2']);
  });
});

describe('parseFrames', () => {
  it('reads frames by their byte counts, output in any bytes', () => {
    const out = Buffer.concat([Buffer.from('step 0 exit 3 at 1 ms 2 out 4 err 1\n'), Buffer.from('é\n\n'), Buffer.from('x')]);
    expect(parseFrames(out)).toEqual([{ exitCode: 3, atMs: 1, tookMs: 2, stdout: 'é\n\n', stderr: 'x' }]);
  });

  it('ends at a program that could not start, and drops a frame cut short', () => {
    expect(parseFrames(Buffer.from('step 0 exit 0 at 0 ms 0 out 0 err 0\nstep 1 noexec ENOENT\n'))).toEqual([
      { exitCode: 0, atMs: 0, tookMs: 0, stdout: '', stderr: '' },
      { noexec: 'ENOENT' },
    ]);
    expect(parseFrames(Buffer.from('step 0 exit 0 at 0 ms 0 out 9 err 0\nabc'))).toEqual([]);
  });
});

describe('runShared', () => {
  it('records each step as its own: its command, exit code, output and time, with the one exec that ran them', async () => {
    const steps = [
      exec('write', ['sh', '-c', 'printf "written\\n"; sleep 0.2']),
      exec('fail', ['sh', '-c', 'echo gone >&2; exit 10']),
      exec('killed', ['sh', '-c', 'kill -9 $$']),
    ] as (Step & { do: 'exec' })[];
    const calls: string[][] = [];
    const records = await runShared(steps, stateWith(hostDriver(calls), steps));
    expect(calls).toEqual([[RUN_STEPS, ...steps[0]!.cmd, ';', ...steps[1]!.cmd, ';', ...steps[2]!.cmd]]);
    expect(records.map((r) => [r.id, r.exitCode, r.stdout, r.stderr, r.engineFailed])).toEqual([
      ['write', 0, 'written\n', '', false],
      ['fail', 10, '', 'gone\n', false],
      ['killed', 137, '', '', false],
    ]);
    expect(records[0]!.command).toBe(`docker exec app sh -c 'printf "written\\n"; sleep 0.2'`);
    expect(records[0]!.durationMs).toBeGreaterThanOrEqual(200);
    expect(Date.parse(records[1]!.startedAt)).toBeGreaterThanOrEqual(Date.parse(records[0]!.startedAt) + 200);
    expect(new Set(records.map((r) => r.sharedExec))).toEqual(
      new Set([`docker exec app run-steps sh -c 'printf "written\\n"; sleep 0.2' ';' sh -c 'echo gone >&2; exit 10' ';' sh -c 'kill -9 $$'`]),
    );
  });

  it('does not hold up the next step for a process a step leaves running with its output', async () => {
    // The process left running holds the step's stdout for an hour; it is ended here once the steps are recorded.
    const steps = [exec('server', ['sh', '-c', 'sleep 3600 & echo $!']), exec('next', ['echo', 'next'])] as (Step & { do: 'exec' })[];
    const started = Date.now();
    const records = await runShared(steps, stateWith(hostDriver([]), steps));
    process.kill(Number(records[0]!.stdout));
    expect(records.map((r) => r.stdout)).toEqual([expect.stringMatching(/^\d+\n$/), 'next\n']);
    expect(Date.now() - started).toBeLessThan(NOT_HUNG_MS);
  });

  it('leaves a program that could not start, and what follows it, to run alone (the engine then answers for it)', async () => {
    const steps = [exec('ok', ['true']), exec('missing', ['no-such-program-here']), exec('after', ['true'])] as (Step & { do: 'exec' })[];
    const records = await runShared(steps, stateWith(hostDriver([]), steps));
    expect(records.map((r) => r.id)).toEqual(['ok']);
  });

  it("records the engine's failure of the one exec on its first step, and nothing after it", async () => {
    const steps = [exec('a', ['true']), exec('b', ['true'])] as (Step & { do: 'exec' })[];
    const records = await runShared(steps, stateWith(hostDriver([], new Error('container abc123 is not running')), steps));
    expect(records.map((r) => [r.id, r.engineFailed, r.stderr])).toEqual([['a', true, 'container abc123 is not running']]);
  });

  it('keeps the steps finished before the engine failed the exec, and records the failure on the step it was in', async () => {
    const steps = [exec('a', ['echo', 'a']), exec('b', ['sleep', '60']), exec('c', ['true'])] as (Step & { do: 'exec' })[];
    const partialStdout = Buffer.from('step 0 exit 0 at 0 ms 3 out 2 err 0\na\n');
    const late = Object.assign(new Error('the engine did not answer (exec run-steps) within 180 s'), { partialStdout });
    const records = await runShared(steps, stateWith(hostDriver([], late), steps));
    expect(records.map((r) => [r.id, r.stdout, r.engineFailed, r.stderr])).toEqual([
      ['a', 'a\n', false, ''],
      ['b', '', true, 'the engine did not answer (exec run-steps) within 180 s'],
    ]);
  });

  it('gives the one exec the deadline of as many execs as it runs programs', async () => {
    let given: number | undefined;
    const steps = [exec('a', ['true']), exec('b', ['true']), exec('c', ['true'])] as (Step & { do: 'exec' })[];
    const driver = hostDriver([]);
    const run = driver.exec.bind(driver);
    driver.exec = (handle, cmd, programs) => {
      given = programs;
      return run(handle, cmd, programs);
    };
    await runShared(steps, stateWith(driver, steps));
    expect(given).toBe(3);
  });

  it('records the step run-steps was in when it was ended as the engine failing it', async () => {
    const steps = [exec('a', ['echo', 'a']), exec('b', ['sh', '-c', 'kill -9 $PPID; sleep 1']), exec('c', ['true'])] as (Step & { do: 'exec' })[];
    const records = await runShared(steps, stateWith(hostDriver([]), steps));
    expect(records.map((r) => [r.id, r.engineFailed])).toEqual([
      ['a', false],
      ['b', true],
    ]);
    expect(records[1]!.stderr).toMatch(/^the exec running this step ended \(exit 137\) before the step's program did/);
  });
});

describe('where each exec step is an exec of its own', () => {
  it('is under runsc, said in the report; elsewhere steps may share one exec', () => {
    expect(execsAloneOn({ ociRuntime: { name: 'runsc' } })).toBe('under runsc, shmlab runs no two programs in one exec');
    expect(execsAloneOn({ ociRuntime: { name: 'crun' } })).toBeUndefined();
    expect(execsAloneOn({})).toBeUndefined();
  });

  it('keeps an experiment from sharing execs when the lab says so', () => {
    const steps = [exec('a', ['true']), exec('b', ['true'])];
    const state = stateWith(hostDriver([]), steps);
    expect(state.shareExecs).toBe(true);
    const alone = new ExperimentState(state.experiment, { ...state.ctx, execsAlone: 'under runsc' }, {} as ResourceTracker);
    expect(alone.shareExecs).toBe(false);
  });
});
