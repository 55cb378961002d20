// The crictl commands a Kubernetes user could paste on a node to do what a step did, configs shown as compact JSON.
import type { ContainerConfig, PodSandboxConfig } from './cri-types.js';

// crictl reads its JSON files with Go's encoding/json: enum fields take numbers, not names.
const ENUM_FIELDS = new Set(['network', 'pid', 'ipc', 'mode', 'profile_type']);
const ENUM_NUMBERS: Record<string, number> = { POD: 0, CONTAINER: 1, NODE: 2, TARGET: 3, RuntimeDefault: 0, Unconfined: 1, Localhost: 2 };

/** The config as crictl's JSON, without empty fields (compact). */
function crictlJson(config: PodSandboxConfig | ContainerConfig): string {
  return JSON.stringify(config, (key, value) => {
    if (ENUM_FIELDS.has(key) && typeof value === 'string') return ENUM_NUMBERS[value] ?? value;
    if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0 && key !== 'masked_paths' && key !== 'readonly_paths'))
      return undefined;
    if (value && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0) return undefined;
    return value;
  });
}

const word = (s: string) => (/^[A-Za-z0-9_/.:=,@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
const slug = (logicalName: string) => logicalName.replace(/[^A-Za-z0-9]+/g, '_').toUpperCase();

/** Shell variables and file names of one logical container in the transcript. */
export function crictlNames(logicalName: string, podOwner = logicalName) {
  const s = slug(logicalName);
  const p = slug(podOwner);
  return { pod: `POD_${p}`, ctr: `CTR_${s}`, podFile: `pod-${p.toLowerCase()}.json`, ctrFile: `${s.toLowerCase()}.json` };
}

type Names = ReturnType<typeof crictlNames>;
// A here-document with the config laid out one field a line: readable in a report, and pasteable as it is.
const write = (config: PodSandboxConfig | ContainerConfig, file: string) =>
  `cat > ${file} <<'JSON'\n${JSON.stringify(JSON.parse(crictlJson(config)), null, 2)}\nJSON\n`;

/**
 * A shell line for what shmlab does on the host in the kubelet's place (no kubelet runs): the folders and tmpfs of an
 * emptyDir, the log folders, their removal with the pod. `how` joins the comment to `why` ("the kubelet would: …").
 */
export const asKubelet = (command: string, why: string, how: ':' | 'for' = ':') =>
  `${command}    # shmlab, as the kubelet would${how === ':' ? ': ' : ' for '}${why}`;

/**
 * `crictl runp` (only when the container gets its own pod), then `crictl create` and `crictl start`, with what shmlab
 * did on the host in the kubelet's place (`kubelet`, in the order done: the pod's log folder before the pod, the
 * emptyDir folders, tmpfs mounts and the container's log folder before the container).
 */
export function runCommand(n: Names, pod: PodSandboxConfig, container: ContainerConfig, newPod: boolean, kubelet: readonly string[] = []): string {
  const podLines = newPod ? kubelet.filter((l) => l.startsWith(`mkdir -p ${pod.log_directory}    #`)) : [];
  const rest = kubelet.filter((l) => !podLines.includes(l));
  const create = [...rest, createCommand(n, container)].join('\n');
  return newPod ? `${podLines.map((l) => `${l}\n`).join('')}${write(pod, n.podFile)}${n.pod}=$(crictl runp ${n.podFile})\n${create}` : create;
}

/** The part of a new pod's command that makes the sandbox (what is asked of RunPodSandbox). */
export function podCommand(n: Names, pod: PodSandboxConfig, kubelet: readonly string[] = []): string {
  const podLines = kubelet.filter((l) => l.startsWith(`mkdir -p ${pod.log_directory}    #`));
  return `${podLines.map((l) => `${l}\n`).join('')}${write(pod, n.podFile)}${n.pod}=$(crictl runp ${n.podFile})`;
}

const createCommand = (n: Names, container: ContainerConfig) =>
  `${write(container, n.ctrFile)}${n.ctr}=$(crictl create "$${n.pod}" ${n.ctrFile} ${n.podFile}) && crictl start "$${n.ctr}"`;

/** A kubelet-style restart: the old container goes, a new one (attempt + 1) is created in the same pod. */
export function restartCommand(n: Names, container: ContainerConfig): string {
  return `crictl rm "$${n.ctr}" && ${createCommand(n, container)}`;
}

export const execCommand = (n: Names, cmd: string[], timeoutSeconds: number) =>
  `crictl exec -s --timeout ${timeoutSeconds} "$${n.ctr}" ${cmd.map(word).join(' ')}`;
export const stopCommand = (n: Names, timeoutSeconds: number) => `crictl stop --timeout ${timeoutSeconds} "$${n.ctr}"`;
export const inspectCommand = (n: Names) => `crictl inspect "$${n.ctr}" && crictl inspectp "$${n.pod}"`;
export const logsCommand = (n: Names) => `crictl logs "$${n.ctr}"`;
/**
 * Removing the last container of a pod removes the pod too, as deleting a Kubernetes pod does, and then what shmlab
 * made on the host for it (`kubelet`: the lines that undo it).
 */
export const removeCommand = (n: Names, lastInPod: boolean, kubelet: readonly string[] = []) =>
  `crictl rm -f "$${n.ctr}"${lastInPod ? [` && crictl stopp "$${n.pod}" && crictl rmp "$${n.pod}"`, ...kubelet].join('\n') : ''}`;

/** How the pod's sandbox is killed, as an OOM kill or a crash of its pause process would end it. */
export const killSandboxCommand = (n: Names) =>
  `kill -KILL "$(crictl inspectp -o go-template --template '{{.info.pid}}' "$${n.pod}")" && crictl inspectp -o go-template --template '{{.status.state}}' "$${n.pod}"`;

/**
 * What the kubelet does with a pod whose sandbox is not ready (SandboxChanged): its containers and sandbox stopped, a
 * new sandbox for the same pod (same uid, attempt + 1), its containers created again (attempt + 1).
 */
export function recreateCommand(
  pod: Names,
  podConfig: PodSandboxConfig,
  containers: readonly { names: Names; config: ContainerConfig }[],
  stopTimeoutSeconds: number,
): string {
  const each = (verb: string) => containers.map((c) => `crictl ${verb} "$${c.names.ctr}"`);
  return [
    asKubelet(
      [...containers.map((c) => stopCommand(c.names, stopTimeoutSeconds)), `crictl stopp "$${pod.pod}"`].join(' && '),
      'a pod whose sandbox is not ready (SandboxChanged)',
      'for',
    ),
    `${[...each('rm'), `crictl rmp "$${pod.pod}"`].join(' && ')}    # shmlab removes them at once; a kubelet leaves them to its garbage collector`,
    `${write(podConfig, pod.podFile)}${pod.pod}=$(crictl runp ${pod.podFile})`,
    ...containers.map((c) => createCommand(c.names, c.config)),
  ].join('\n');
}
