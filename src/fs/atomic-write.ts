// Every file shmlab writes goes through here: written in full to a temporary file beside its target, synced, then
// renamed into place; the temporary file is made new, under a name nobody can guess, and never through a link
// someone planted (shmlab often runs as root).
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fsyncSync, lstatSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** A file that could not be written: one sentence, with the path and the system's reason. */
export class ReportWriteError extends Error {}

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
