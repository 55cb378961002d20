// `shmlab fleet <sub-command>`'s arguments, parsed as strictly as the other commands': each sub-command takes only
// its own options, and anything else is one sentence.
import { parseArgs } from 'node:util';
import { UsageError } from '../errors.js';

export type FleetCommand =
  | { action: 'image'; out: string }
  | { action: 'pod'; stay: boolean }
  | { action: 'clean' }
  | { action: 'manifests'; image: string; runtimeClass?: string; node?: string; socket: 'containerd' | 'docker'; clean: boolean }
  | { action: 'gather'; namespace?: string; out?: string; kubeconfig?: string; context?: string };

const OPTIONS = {
  out: { type: 'string' },
  stay: { type: 'boolean' },
  clean: { type: 'boolean' },
  image: { type: 'string' },
  'runtime-class': { type: 'string' },
  node: { type: 'string' },
  socket: { type: 'string' },
  namespace: { type: 'string' },
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Which options each sub-command takes. */
const ALLOWED: Record<FleetCommand['action'], (keyof typeof OPTIONS)[]> = {
  image: ['out'],
  pod: ['stay'],
  clean: [],
  manifests: ['image', 'runtime-class', 'node', 'socket', 'clean'],
  gather: ['namespace', 'out', 'kubeconfig', 'context'],
};

/** The fleet command of `args` (what follows `fleet`), or 'help' for --help. */
export function parseFleetCommand(args: string[]): FleetCommand | 'help' {
  const [action, ...rest] = args;
  if (action === '--help' || action === '-h') return 'help';
  if (!action || !Object.hasOwn(ALLOWED, action))
    throw new UsageError(
      `${action ? `Unknown fleet command ${JSON.stringify(action)}` : 'Expected a fleet command'}; the fleet commands are ${Object.keys(ALLOWED).join(', ')} (see "shmlab --help").`,
    );
  const name = action as FleetCommand['action'];
  let values: ReturnType<typeof parseArgs<{ args: string[]; strict: true; allowPositionals: false; options: typeof OPTIONS }>>['values'];
  try {
    ({ values } = parseArgs({ args: rest, strict: true, allowPositionals: false, options: OPTIONS }));
  } catch (err) {
    throw new UsageError(`${(err as Error).message.replace(/\. (To specify|This command does not).*$/s, '')}; see "shmlab --help".`);
  }
  if (values.help) return 'help';
  const misplaced = Object.keys(values).find((k) => !ALLOWED[name].includes(k as keyof typeof OPTIONS));
  if (misplaced) throw new UsageError(`"shmlab fleet ${name}" takes no --${misplaced}; see "shmlab --help".`);
  // Every option that takes a value wants a non-blank one: an empty name is a mistake, never a default.
  const blank = Object.entries(values).find(([, v]) => typeof v === 'string' && v.trim() === '');
  if (blank) throw new UsageError(`Expected --${blank[0]} to have a value, got an empty one.`);
  switch (name) {
    case 'image':
      if (values.out === undefined) throw new UsageError('Expected --out FILE: where "shmlab fleet image" writes the image archive.');
      return { action: name, out: values.out };
    case 'pod':
      return { action: name, stay: Boolean(values.stay) };
    case 'clean':
      return { action: name };
    case 'manifests': {
      if (values.image === undefined)
        throw new UsageError('Expected --image REF: the image the nodes pull (the one "shmlab fleet image" wrote, as pushed to your registry).');
      const socket = values.socket ?? 'containerd';
      if (socket !== 'containerd' && socket !== 'docker')
        throw new UsageError(`Expected --socket containerd or --socket docker, got ${JSON.stringify(socket)}.`);
      if (values.clean && values.node === undefined) throw new UsageError('Expected --node NAME with --clean: the node whose leftovers the Job removes.');
      return { action: name, image: values.image, runtimeClass: values['runtime-class'], node: values.node, socket, clean: Boolean(values.clean) };
    }
    case 'gather':
      return { action: name, namespace: values.namespace, out: values.out, kubeconfig: values.kubeconfig, context: values.context };
  }
}
