// Several exec steps in a row on one container, run by one exec of the engine: /bin/run-steps starts each program in
// turn, as its own process in the container's namespaces, and frames what each did. Each step is still recorded on its
// own (its command as an exec of its own would be, its exit code, output and time), with the one exec that ran it.
import { engineWords } from '../engine/engine-words.js';
import { untilAborted } from '../engine/interruption.js';
import type { Step, StepRecord } from '../model/experiment.js';
import { hostKeyArgs } from './actions/exec.js';
import type { ExperimentState } from './actions/experiment-state.js';

export const RUN_STEPS = 'run-steps';
const SEPARATOR = ';';
/** run-steps' exit code when it could not go on (EX_SOFTWARE). */
const UNAVAILABLE = 70;

type ExecStep = Step & { do: 'exec' };

/**
 * The exec steps from `from` on that one exec can run: consecutive execs on the same container that `taken` says are
 * taken here, none with run-steps' separator among its arguments. Fewer than two: none to share.
 */
export function sharedRun(steps: readonly Step[], from: number, taken: (step: Step) => boolean): ExecStep[] {
  const first = steps[from];
  const run: ExecStep[] = [];
  for (let i = from; i < steps.length; i++) {
    const s = steps[i]!;
    if (s.do !== 'exec' || s.container !== first?.container || !taken(s) || s.cmd.includes(SEPARATOR)) break;
    run.push(s);
  }
  return run.length > 1 ? run : [];
}

/** One program's frame: what it did, or that it could not be started (errno name). */
type Frame = { exitCode: number; atMs: number; tookMs: number; stdout: string; stderr: string } | { noexec: string };

/** run-steps' output, frame by frame; a frame cut short (run-steps ended during it) is not one. */
export function parseFrames(out: Buffer): Frame[] {
  const frames: Frame[] = [];
  let at = 0;
  for (;;) {
    const eol = out.indexOf(0x0a, at);
    if (eol < 0) return frames;
    const head = out.subarray(at, eol).toString('latin1');
    const noexec = /^step \d+ noexec (\S+)$/.exec(head);
    if (noexec) {
      frames.push({ noexec: noexec[1]! });
      return frames;
    }
    const m = /^step \d+ exit (\d+) at (\d+) ms (\d+) out (\d+) err (\d+)$/.exec(head);
    if (!m) return frames;
    const [outLen, errLen] = [Number(m[4]), Number(m[5])];
    const body = eol + 1;
    if (out.length < body + outLen + errLen) return frames;
    frames.push({
      exitCode: Number(m[1]),
      atMs: Number(m[2]),
      tookMs: Number(m[3]),
      stdout: out.subarray(body, body + outLen).toString('utf8'),
      stderr: out.subarray(body + outLen, body + outLen + errLen).toString('utf8'),
    });
    at = body + outLen + errLen;
  }
}

/**
 * Runs the steps in one exec and records each. Returns a record for every step it observed, in order: fewer than the
 * steps where a program could not be started (that step and the rest are left to run alone, so that the engine gives its
 * own answer) or where the exec failed (the step it failed in is recorded as the engine's failure, and nothing after).
 */
export async function runShared(steps: readonly ExecStep[], state: ExperimentState): Promise<StepRecord[]> {
  const started = Date.now();
  const container = steps[0]!.container;
  const driver = state.ctx.driver;
  const handle = state.id(container);
  const cmds: string[][] = steps.map((s) => s.cmd);
  let sharedExec = '';
  const record = (i: number, fields: Partial<StepRecord> & Pick<StepRecord, 'exitCode' | 'stdout' | 'stderr' | 'durationMs' | 'startedAt'>) => ({
    id: steps[i]!.id,
    action: 'exec' as const,
    container,
    command: driver.commandFor('exec', handle, cmds[i]),
    ...(steps[i]!.why ? { why: steps[i]!.why } : {}),
    engineFailed: false,
    ...(sharedExec ? { sharedExec } : {}),
    ...fields,
  });
  // The steps run-steps had finished, each its own record; the time the next one began (ms after `started`).
  const finished = (frames: Frame[]): { records: StepRecord[]; endMs: number } => {
    const records: StepRecord[] = [];
    let endMs = 0;
    for (const frame of frames) {
      if ('noexec' in frame) break;
      records.push(
        record(records.length, {
          exitCode: frame.exitCode,
          stdout: frame.stdout,
          stderr: frame.stderr,
          durationMs: frame.tookMs,
          startedAt: new Date(started + frame.atMs).toISOString(),
        }),
      );
      endMs = frame.atMs + frame.tookMs;
    }
    return { records, endMs };
  };
  // The step run-steps was in when the exec ended without it: the engine's failure, in its words.
  const failedAt = (i: number, words: string, sinceMs: number) =>
    record(i, {
      exitCode: 1,
      stdout: '',
      stderr: words,
      durationMs: Math.max(0, Date.now() - started - sinceMs),
      startedAt: new Date(started + sinceMs).toISOString(),
      engineFailed: true,
    });
  let out: Awaited<ReturnType<typeof driver.exec>>;
  try {
    for (const [i, step] of steps.entries()) cmds[i] = await hostKeyArgs(step.cmd, state);
    const one = [RUN_STEPS, ...cmds.flatMap((cmd, i) => (i ? [SEPARATOR, ...cmd] : cmd))];
    sharedExec = driver.commandFor('exec', handle, one);
    out = await untilAborted(() => driver.exec(handle, one, steps.length), state.ctx.signal, 'while waiting for the engine');
  } catch (err) {
    const partial = (err as { partialStdout?: unknown }).partialStdout;
    const done = Buffer.isBuffer(partial) ? finished(parseFrames(partial)) : { records: [], endMs: 0 };
    return [...done.records, failedAt(done.records.length, engineWords(err), done.endMs)];
  }
  const frames = parseFrames(out.stdoutBytes ?? Buffer.from(out.stdout, 'utf8'));
  // run-steps could not begin (no memfd_create in this kernel or sandbox): nothing ran, so each step runs alone.
  if (!frames.length && out.exitCode === UNAVAILABLE && out.stderr.startsWith(`${RUN_STEPS}:`)) {
    state.shareExecs = false;
    return [];
  }
  const { records, endMs } = finished(frames);
  // run-steps ended before every program had run (the container, or run-steps itself, was ended): the step it was in
  // has no outcome of its own, and what the exec said is the engine's answer.
  if (records.length < steps.length && !frames.some((f) => 'noexec' in f)) {
    const said = out.stderr.trim();
    records.push(
      failedAt(records.length, `the exec running this step ended (exit ${out.exitCode}) before the step's program did${said ? `: ${said}` : ''}`, endMs),
    );
  }
  return records;
}
