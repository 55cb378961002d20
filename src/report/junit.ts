// Runs as JUnit XML, for CI systems that show test results (`shmlab run --junit FILE`, `shmlab matrix --junit FILE`).
// renderJUnit is pure (results in, text out); writeJUnit writes it as the reports are, atomically. One <testsuite> per engine, named by its title; one <testcase> per experiment, named by
// its slug; `differs` is a <failure> whose message is the first difference (all of them in its body), `error` an
// <error>, `not applicable` a <skipped> with why. The transcript goes to <system-out>, as CI systems show it.
import { accessSync, constants, lstatSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import type { ExperimentResult, RunResult } from '../model/result.js';
import { transcript } from './render-markdown.js';
import { engineTitle, reportBaseName } from './report-name.js';
import { writeFilesAtomically } from './write-report.js';

/** The JUnit XML of one or more runs: one test suite per engine. */
export function renderJUnit(runs: readonly RunResult[]): string {
  const all = runs.flatMap((r) => r.experiments);
  const totals = counts(all);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    // No skipped on <testsuites>: Jenkins' junit-10.xsd allows it on <testsuite> only (each suite has its own).
    `<testsuites name="shmlab" tests="${all.length}" failures="${totals.failures}" errors="${totals.errors}" time="${secondsOf(runs.reduce((sum, r) => sum + r.durationMs, 0))}">`,
    ...runs.flatMap(suite),
    '</testsuites>',
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * Before anything starts: where --junit FILE goes, as an absolute path; a folder that is not there or not writable, or
 * something other than a file at FILE, is one sentence (exit 2), as for --report-dir.
 */
export function junitTarget(path: string): string {
  const full = resolve(path);
  const existing = lstatSync(full, { throwIfNoEntry: false });
  if (existing && !existing.isFile())
    throw new UsageError(
      `Cannot write the JUnit file ${full}: something other than a file is there (${existing.isDirectory() ? 'a folder' : existing.isSymbolicLink() ? 'a link' : 'a device or socket'}); choose another --junit.`,
    );
  try {
    if (!statSync(dirname(full)).isDirectory()) throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR' });
    accessSync(dirname(full), constants.W_OK);
  } catch (err) {
    throw new UsageError(`Cannot write the JUnit file ${full} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); choose another --junit.`);
  }
  return full;
}

/** Writes the runs' JUnit XML to `path` in full or not at all; a failure is a ReportWriteError (one sentence). */
export function writeJUnit(path: string, runs: readonly RunResult[]): void {
  writeFilesAtomically([[path, renderJUnit(runs)]]);
}

/** `shmlab.<engine>-<version>`, dots made underscores: a CI system reads dots in a class name as packages. */
export function classNameOf(run: RunResult): string {
  return `shmlab.${reportBaseName(run.environment).replaceAll('.', '_')}`;
}

function suite(run: RunResult): string[] {
  const env = run.environment;
  const c = counts(run.experiments);
  const properties: [string, string | undefined][] = [
    ['engine.kind', env.kind],
    ['engine.address', env.address],
    ['engine.version', env.serverVersion],
    ['engine.api', env.apiVersion],
    ['engine.runtime', env.runtime],
    ['kernel', env.kernel],
    ['container.kernel', env.containerKernel],
    ['privilege', run.privilege.reason ? `${run.privilege.mode}: ${run.privilege.reason}` : run.privilege.mode],
    ['run.id', run.runId],
    ['shmlab.version', env.harnessVersion],
    ['incomplete', run.incomplete],
    ...(run.leftovers ?? []).map((l): [string, string] => ['leftover', l]),
  ];
  const head = attrs({
    name: engineTitle(env),
    tests: run.experiments.length,
    failures: c.failures,
    errors: c.errors,
    skipped: c.skipped,
    time: secondsOf(run.durationMs),
    timestamp: timestampOf(env.date),
  });
  return [
    `  <testsuite ${head}>`,
    '    <properties>',
    ...properties.filter((p): p is [string, string] => p[1] !== undefined).map(([name, value]) => `      <property ${attrs({ name, value })}/>`),
    '    </properties>',
    ...run.experiments.flatMap((r) => testCase(r, classNameOf(run))),
    ...(run.incomplete ? [`    <system-err>${text(`incomplete run: ${run.incomplete}`)}</system-err>`] : []),
    '  </testsuite>',
  ];
}

function testCase(r: ExperimentResult, classname: string): string[] {
  const open = `    <testcase ${attrs({ name: r.slug, classname, time: secondsOf(r.durationMs) })}>`;
  const out = `      <system-out>${text(`observed: ${r.observed}\n${r.steps.length ? `\n${transcript(r.steps)}\n` : ''}`)}</system-out>`;
  switch (r.verdict) {
    case 'differs': {
      const all = r.differences.map((d) => `${d.step} (${d.means}): ${d.detail}`);
      const first = all[0] ?? `observed: ${r.observed}`;
      // A failure that followed the differences is told too.
      const body = [...(all.length ? all : [first]), ...(r.error ? ['', r.error] : []), ...(r.instead ? ['', r.instead] : [])].join('\n');
      return [open, `      <failure ${attrs({ message: first, type: 'differs' })}>${text(body)}</failure>`, out, '    </testcase>'];
    }
    case 'error': {
      const error = r.error ?? 'error';
      return [open, `      <error ${attrs({ message: firstLine(error), type: 'error' })}>${text(error)}</error>`, out, '    </testcase>'];
    }
    case 'not applicable':
      return [open, `      <skipped ${attrs({ message: r.engineNote ?? r.observed })}/>`, '    </testcase>'];
    default:
      return [open, out, '    </testcase>'];
  }
}

function counts(results: readonly ExperimentResult[]): { failures: number; errors: number; skipped: number } {
  const n = (v: string) => results.filter((r) => r.verdict === v).length;
  return { failures: n('differs'), errors: n('error'), skipped: n('not applicable') };
}

function secondsOf(ms: number): string {
  return (ms / 1000).toFixed(3);
}

// JUnit's schema wants a local date and time without a zone: the report's UTC time, so marked nowhere but here.
function timestampOf(date: string): string {
  return date.replace(/(\.\d+)?Z$/, '');
}

function firstLine(s: string): string {
  return (
    s
      .split('\n')
      .find((l) => l.trim())
      ?.trim() ?? s
  );
}

function attrs(values: Record<string, string | number>): string {
  return Object.entries(values)
    .map(([k, v]) => `${k}="${attribute(String(v))}"`)
    .join(' ');
}

/**
 * Text that XML 1.0 can hold: the five special characters escaped, and characters it cannot hold at all (NUL and the
 * other C0 controls but tab and line ends, lone surrogates, U+FFFE/U+FFFF) written out as `\xNN` / `\uNNNN`.
 */
function text(s: string): string {
  return representable(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** An attribute value: also quotes escaped, and line ends and tabs as character references (a parser would turn them into spaces). */
function attribute(s: string): string {
  return text(s).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

function representable(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters XML cannot hold.
  return s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
