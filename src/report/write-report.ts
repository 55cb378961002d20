// Writes a run's report, markdown and JSON, the only part of reporting that touches the disk. Both are written in
// full to temporary files beside their targets before either is renamed into place, so a report is never half
// written, and the pair comes from one run. A run that did not finish goes beside the last full report, never over it.
// Every report is checked against the format's JSON Schema first: one that does not follow it is shmlab's bug, and
// nothing is written. Every file shmlab writes goes through writeFilesAtomically: its temporary files are made new,
// under names nobody can guess, and never through a link someone planted (shmlab often runs as root).
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fsyncSync, lstatSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Experiment } from '../model/experiment.js';
import type { RunResult } from '../model/result.js';
import { renderMarkdown } from './render-markdown.js';
import { reportBaseName } from './report-name.js';
import { REPORT_SCHEMA_PATH, reportProblem } from './validate-report.js';

export interface WrittenReport {
  markdown: string;
  json: string;
  /** True when the run was incomplete and went to the `.partial` pair. */
  partial: boolean;
}

/** A report that could not be written: one sentence, with the path and the system's reason. */
export class ReportWriteError extends Error {}

/** A report that does not follow its own schema: a harness bug, never written, never mistaken for a disk problem. */
export class InvalidReportError extends Error {}

/** Throws InvalidReportError unless `run` follows schema/report-v1.schema.json, naming no field it does not know. */
export function assertValidReport(run: RunResult): void {
  // What is checked is what would be written: JSON drops undefined fields and turns other values into what it can.
  const problem = reportProblem(JSON.parse(JSON.stringify(run)), { strict: true });
  if (problem) throw new InvalidReportError(`shmlab made a report that does not follow ${REPORT_SCHEMA_PATH} (a bug in shmlab): ${problem}.`);
}

export function writeReport(run: RunResult, experiments: readonly Experiment[], dir: string): WrittenReport {
  assertValidReport(run);
  const partial = Boolean(run.incomplete);
  const base = join(dir, `${reportBaseName(run.environment)}${partial ? '.partial' : ''}`);
  const written = { markdown: `${base}.md`, json: `${base}.json`, partial };
  writeFilesAtomically([
    [written.markdown, renderMarkdown(run, experiments)],
    [written.json, `${JSON.stringify(run, null, 2)}\n`],
  ]);
  // A full report supersedes the partial one an earlier interrupted run left.
  if (!partial) for (const ext of ['md', 'json']) rmSync(`${base}.partial.${ext}`, { force: true });
  return written;
}

/** Writes one file in full beside its target, then renames it into place; on any failure, the target is as it was. */
export function writeFileAtomically(path: string, text: string): void {
  writeFilesAtomically([[path, text]]);
}

/** Writes every file in full first, then renames them all into place; on any failure, nothing is replaced. */
export function writeFilesAtomically(files: [path: string, text: string][], draw: () => string = randomName): void {
  const temps: string[] = [];
  let current = files[0]?.[0];
  try {
    for (const [path, text] of files) {
      current = path;
      refuseNonRegular(path);
      const { fd, temp } = createTemp(path, draw);
      temps.push(temp);
      try {
        const bytes = Buffer.from(text);
        for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
    files.forEach(([path], i) => {
      renameSync(temps[i]!, path);
    });
  } catch (err) {
    for (const temp of temps) rmSync(temp, { force: true });
    if (err instanceof ReportWriteError) throw err;
    const e = err as NodeJS.ErrnoException;
    throw new ReportWriteError(`Cannot write ${current} (${e.code ?? e.message}).`);
  }
}

// Created new, or not at all: O_EXCL fails on anything already at the name (a link included, which O_NOFOLLOW also
// refuses), so nothing is ever written through a name someone else prepared; a taken name is given up for another.
const CREATE_NEW = constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW | constants.O_WRONLY;

function createTemp(path: string, draw: () => string): { fd: number; temp: string } {
  for (let attempt = 0; ; attempt++) {
    // Hidden, and short enough for any name the target may have (a name has at most 255 bytes).
    const temp = join(dirname(path), `.${basename(path).slice(0, 200)}.${draw()}.tmp`);
    try {
      return { fd: openSync(temp, CREATE_NEW, 0o644), temp };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if ((code !== 'EEXIST' && code !== 'ELOOP') || attempt >= 8) throw err;
    }
  }
}

// 16 random hex digits: a name nobody can prepare a link at in advance.
function randomName(): string {
  return randomBytes(8).toString('hex');
}

// A folder, a device or a link where the file should go is the user's, not ours to replace.
function refuseNonRegular(path: string): void {
  const existing = lstatSync(path, { throwIfNoEntry: false });
  if (existing && !existing.isFile())
    throw new ReportWriteError(
      `Cannot write ${path}: something other than a file is there (${existing.isDirectory() ? 'a folder' : existing.isSymbolicLink() ? 'a link' : 'a device or socket'}).`,
    );
}
