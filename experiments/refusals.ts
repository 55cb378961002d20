// The words in which engines and runtimes refuse a setting, each with who says them, as their answers in reports/
// show. A failed start counts as a refusal only when its words are one of these: words that merely mention IPC (a
// donor that died: "can't join IPC of container …: container … is not running") are an engine failure, not a refusal.
import type { StepRecord } from '../src/model/experiment.js';
import { refusalOutcome } from '../src/model/experiment-kit.js';

/** One way of refusing: who says it, and the words, with the setting named in them. */
interface Refusal {
  who: string;
  words: RegExp;
}

const quoted = (name: string) => name.replace(/\./g, '\\.');

/** A sysctl of no container namespace (`kernel.sysrq`). */
export function notNamespaced(sysctl: string): Refusal[] {
  const s = quoted(sysctl);
  return [
    // libcontainer/configs/validate/validator.go
    { who: 'runc', words: new RegExp(`sysctl "${s}" is not in a separate kernel namespace`) },
    { who: 'crun', words: new RegExp(`the sysctl \`${s}\` is not namespaced`) },
    // pkg/specgen/generate: Podman refuses it itself, when the container is created ("fill out specgen: …").
    { who: 'Podman', words: new RegExp(`sysctl '${s}' is not allowed`) },
  ];
}

/** An IPC sysctl for a container without an IPC namespace of its own (`--ipc=host`, a pod with `hostIPC`). */
export function ipcSysctlWithoutNamespace(sysctl: string): Refusal[] {
  const s = quoted(sysctl);
  return [
    { who: 'runc', words: new RegExp(`sysctl "${s}" is not allowed in the hosts ipc namespace`) },
    { who: 'crun', words: new RegExp(`the sysctl \`${s}\` requires a new IPC namespace`) },
  ];
}

/** An IPC sysctl on a container that joins another's IPC namespace: no engine here refuses it; these would be the words. */
export function ipcSysctlInJoinedNamespace(sysctl: string): Refusal[] {
  return [...ipcSysctlWithoutNamespace(sysctl), { who: 'the engine', words: new RegExp(`${quoted(sysctl)}[^\\n]*\\bIPC namespace`, 'i') }];
}

/** A pod's IPC sysctl with `hostIPC`, refused by admission: the API server's words (1.29+), then a kubelet's. */
export function admissionHostIpc(sysctl: string): Refusal[] {
  return [{ who: 'the API server (admission, applied by shmlab)', words: new RegExp(`"${quoted(sysctl)}": may not be specified when 'hostIPC' is true`) }];
}

/** A pod's sysctl outside the kubelet's safe list and `--allowed-unsafe-sysctls`, refused by admission. */
export function admissionNotAllowlisted(sysctl: string): Refusal[] {
  return [{ who: 'the kubelet (admission, applied by shmlab)', words: new RegExp(`forbidden sysctl: "${quoted(sysctl)}" not allowlisted`) }];
}

/**
 * A container in the host's IPC namespace from a user namespace of its own (a pod with `hostUsers: false`, a rootless
 * engine), whose runtime mounts a new mqueue file system at /dev/mqueue: the host's IPC namespace belongs to the host's
 * user namespace, and the kernel refuses the mount (ipc/mqueue.c: the mount is keyed by the IPC namespace and asks
 * CAP_SYS_ADMIN of its owner).
 */
export const HOST_MQUEUE_UNOWNED: Refusal[] = [
  { who: 'crun (the kernel refused its mount)', words: /mount `mqueue` to `dev\/mqueue`: Operation not permitted/ },
  { who: 'runc (the kernel refused its mount)', words: /error mounting "mqueue" to rootfs at "\/dev\/mqueue"[^\n]*operation not permitted/i },
];

/** Joining the IPC namespace of a container whose IPC mode is `private` (Docker, Podman). */
export const JOIN_PRIVATE_IPC: Refusal[] = [{ who: 'the engine', words: /non-shareable IPC/ }];

/** One expression for a step's `mayBeRefused`: any of the ways. */
export function refusedWith(ways: readonly Refusal[]): RegExp {
  return new RegExp(ways.map((w) => `(?:${w.words.source})`).join('|'), ways.some((w) => w.words.flags.includes('i')) ? 'i' : '');
}

/** Who refused, from the words of the refusal (`runc`, `crun`, `Podman`), where the words are one of the ways. */
function refuser(stderr: string, ways: readonly Refusal[]): string | undefined {
  return ways.find((w) => w.words.test(stderr))?.who;
}

/** `refused by runc` (who, where the words tell), or what `refusalOutcome` says: accepted, engine error, not run. */
export function refusalPhrase(record: StepRecord | undefined, ways: readonly Refusal[]): string {
  const outcome = refusalOutcome(record);
  if (outcome !== 'refused' || !record) return outcome;
  const who = refuser(record.stderr, ways);
  return who && who !== 'the engine' ? `refused by ${who}` : 'refused';
}
