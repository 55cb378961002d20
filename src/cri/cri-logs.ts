// Reads the container log files CRI runtimes write (`<time> <stream> <tag> <text>` lines), as the kubelet does.
import { existsSync, readFileSync } from 'node:fs';

/** A container's output over the given log files (one per attempt, in order); one not written yet counts as empty. */
export function readCriLogs(files: readonly string[]): { stdout: string; stderr: string } {
  const out = { stdout: '', stderr: '' };
  for (const file of files) {
    if (!existsSync(file)) continue;
    const part = parseCriLog(readFileSync(file, 'utf8'));
    out.stdout += part.stdout;
    out.stderr += part.stderr;
  }
  return out;
}

/** Splits one CRI log file's text into stdout and stderr; a `P` (partial) line continues on the next line of its stream. */
export function parseCriLog(text: string): { stdout: string; stderr: string } {
  const out = { stdout: '', stderr: '' };
  for (const line of text.split('\n')) {
    // <RFC 3339 time> <stdout|stderr> <F|P> <text>; the text may be empty, and may hold spaces.
    const m = /^\S+ (stdout|stderr) (\S+) ?(.*)$/.exec(line);
    if (!m) continue;
    const stream = m[1] as 'stdout' | 'stderr';
    const partial = m[2]!.split(':').includes('P');
    out[stream] += partial ? m[3]! : `${m[3]!}\n`;
  }
  return out;
}
