// A stable hash of files' names and bytes: what decides whether programs or images are rebuilt.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listFiles(join(dir, e.name)) : [join(dir, e.name)]))
    .sort();
}

export function hashFiles(base: string, files: string[], extra: string[] = []): string {
  const hash = createHash('sha256');
  for (const file of files) {
    // The mode matters too: an executable bit changes the image.
    hash
      .update(`${relative(base, file)}\0${statSync(file).mode & 0o111 ? 'x' : '-'}\0`)
      .update(readFileSync(file))
      .update('\0');
  }
  for (const item of extra) hash.update(item).update('\0');
  return hash.digest('hex');
}
