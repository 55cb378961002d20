// What of shmlab is on a CRI node, read from the node itself as well as from the runtime: the pods and containers the
// runtime lists, the emptyDir and log folders, the pods' cgroup folders in every hierarchy, tmpfs mounts, processes
// left in those cgroups (a `runc init`, a pause), and the daemon's shims whose pod the runtime no longer lists.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cgroupChildren } from '../src/cri/cgroup-folders.js';
import { CRI_DATA } from '../src/cri/containerd-config.js';
import { CriClient } from '../src/cri/cri-client.js';
import { describeProcess, processesInCgroup, shimsOf } from '../src/cri/node-processes.js';
import { LABEL } from '../src/labels.js';

export type NodeState = Record<string, string[]>;

/** How long a shim is given to exit once its pod is removed (the runtime shuts it down a moment later). */
const SHIM_GRACE_MS = 5000;

export async function nodeState(engine: string, address: string): Promise<NodeState> {
  const client = new CriClient(address, 10_000);
  try {
    const pods = await client.listPodSandbox();
    const containers = await client.listContainers();
    const data = join(CRI_DATA, engine);
    const list = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);
    const cgroupRoot = `/shmlab/${engine}`;
    const podCgroups = [...cgroupChildren(cgroupRoot).keys()].filter((f) => f.startsWith('pod'));
    const mounts = readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[1] ?? '')
      .filter((m) => m.startsWith(`${data}/`));
    const socket = address.slice('unix://'.length);
    const ids = new Set(pods.map((p) => p.id));
    let shims = shimsOf(socket).filter((s) => !ids.has(s.id));
    for (const deadline = Date.now() + SHIM_GRACE_MS; shims.length && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 100));
      shims = shimsOf(socket).filter((s) => !ids.has(s.id));
    }
    return {
      pods: pods.filter((p) => LABEL in p.labels).map((p) => p.metadata.name),
      containers: containers.filter((c) => LABEL in c.labels).map((c) => `${c.metadata.name} (${c.state})`),
      'emptyDir folders': list(join(data, 'emptydir')),
      'log folders': list(join(data, 'pods')),
      'cgroup folders': podCgroups.map((f) => `${cgroupRoot}/${f}`),
      'tmpfs mounts': mounts,
      'processes in pod cgroups': podCgroups.flatMap((f) => processesInCgroup(`${cgroupRoot}/${f}`).map(describeProcess)),
      'shims of no listed pod': shims.map((s) => `${describeProcess(s.pid)} -id ${s.id.slice(0, 12)}${s.bundle ? '' : ', bundle gone'}`),
    };
  } finally {
    client.close();
  }
}

/** The runtime's listed pods of shmlab's (quick: for waiting on a moment of a run). */
export async function listedPods(address: string): Promise<string[]> {
  const client = new CriClient(address, 10_000);
  try {
    return (await client.listPodSandbox()).filter((p) => LABEL in p.labels).map((p) => p.metadata.name);
  } finally {
    client.close();
  }
}

export const nothingOn = (state: NodeState): NodeState => Object.fromEntries(Object.keys(state).map((k) => [k, []]));
