// `shmlab COMMAND --help`: the global help's usage block of that command (the help is written once, in cli-args.ts),
// with the environment and exit codes that apply to every command.
import { HELP } from './cli-args.js';

/** The usage blocks: each starts at a line `  shmlab <command> ...` and runs until the next one. */
function blocks(): { head: string; text: string }[] {
  const usage = HELP.slice(HELP.indexOf('Usage:\n') + 'Usage:\n'.length, HELP.indexOf('\n\nEnvironment:'));
  const found: { head: string; text: string }[] = [];
  for (const line of usage.split('\n')) {
    const head = /^ {2}shmlab ([a-z]+(?: [a-z]+)?)/.exec(line);
    if (head && !line.includes('--help |')) found.push({ head: head[1]!, text: line });
    else if (found.length) found[found.length - 1]!.text += `\n${line}`;
  }
  return found;
}

/** The help for `topic` (`run`, `fleet`, `fleet gather`, …): its usage block(s), then the environment and exit codes. */
export function helpFor(topic: string | undefined): string {
  if (!topic) return HELP;
  const [command, sub] = topic.split(' ');
  const chosen = blocks().filter((b) => (sub ? b.head === topic : b.head === command || b.head.startsWith(`${command} `)));
  if (!chosen.length) return HELP;
  const rest = HELP.slice(HELP.indexOf('\n\nEnvironment:') + 2);
  return `Usage:\n${chosen.map((b) => b.text.replace(/\n+$/, '')).join('\n')}\n\n${rest}`;
}
