// The pure translation of a container spec into CRI messages, table by table as the kubelet's security_context_test.go:
// no engine, no filesystem. Configs are compared as JSON text: their key order is the transcript's (crictl's files).
import { describe, expect, it } from 'vitest';
import type { ContainerSpec } from '../model/experiment.js';
import {
  containerSpec,
  DEFAULT_MASKED_PATHS,
  DEFAULT_READONLY_PATHS,
  grantsOf,
  joinedContainer,
  nextAttempt,
  type Privilege,
  podPlace,
  podSandboxConfig,
  shmSizeNote,
  traceOf,
} from './pod-spec.js';

const NETWORK = "network: the node's (namespace_options.network NODE), i.e. the runtime daemon's network namespace";
const EQUIVALENT_GRANT =
  'CAP_SYS_ADMIN with unmasked, writable /proc (masked_paths and readonly_paths empty): this runtime could not start privileged containers here';
const LABELS = { 'org.shmlab.run': 'r1' };
const place = podPlace('/data', '/shmlab/fake', 'run-app', 'u-1');
const request = (spec: ContainerSpec, logicalName = 'app') => ({
  name: `run-${logicalName}`,
  logicalName,
  spec,
  image: 'sha256:1234',
  labels: LABELS,
  volumeName: (v: string) => `r1-${v}`,
});
const same = (actual: unknown, expected: unknown) => expect(JSON.stringify(actual, null, 1)).toBe(JSON.stringify(expected, null, 1));

describe('podPlace and traceOf', () => {
  it('put logs under <dataRoot>/pods, emptyDirs under <dataRoot>/emptydir, the cgroup under <cgroupRoot>/pod<uid>', () => {
    expect(place).toEqual({
      name: 'run-app',
      uid: 'u-1',
      logDirectory: '/data/pods/run-app',
      emptyDir: '/data/emptydir/run-app',
      cgroupParent: '/shmlab/fake/podu-1',
    });
    // The emptyDir folder first: tmpfs mounts are under it, and come off before the folders go.
    expect(traceOf(place)).toEqual({ folders: ['/data/emptydir/run-app', '/data/pods/run-app'], cgroupParent: '/shmlab/fake/podu-1' });
  });
});

describe('podSandboxConfig', () => {
  const pod = (privilege: Privilege, ipc: 'POD' | 'NODE', sysctls: Record<string, string> = {}) => ({
    metadata: { name: 'run-app', uid: 'u-1', namespace: 'shmlab', attempt: 0 },
    hostname: '',
    log_directory: '/data/pods/run-app',
    labels: { ...LABELS, 'org.shmlab.cri.pod': 'run-app' },
    linux: {
      cgroup_parent: '/shmlab/fake/podu-1',
      sysctls,
      security_context: {
        namespace_options: { network: 'NODE', pid: 'CONTAINER', ipc },
        privileged: privilege === 'privileged',
        seccomp: { profile_type: privilege === 'privileged' ? 'Unconfined' : 'RuntimeDefault' },
      },
    },
  });
  it.each<[string, ContainerSpec, Privilege, ReturnType<typeof pod>]>([
    ['unprivileged, own IPC namespace', {}, 'none', pod('none', 'POD')],
    ['privileged: the pod too, unconfined', { privileged: true }, 'privileged', pod('privileged', 'POD')],
    ['equivalent: an unprivileged pod', { privileged: true }, 'equivalent', pod('equivalent', 'POD')],
    ['host IPC: the node namespace', { ipc: 'host' }, 'none', pod('none', 'NODE')],
    ['shareable: the pod namespace', { ipc: 'shareable' }, 'none', pod('none', 'POD')],
    ['sysctls: at pod level', { sysctls: { 'kernel.shmmax': '33554432' } }, 'none', pod('none', 'POD', { 'kernel.shmmax': '33554432' })],
  ])('%s', (_, spec, privilege, expected) => {
    same(podSandboxConfig(request(spec), privilege, place), expected);
  });
});

describe('containerSpec', () => {
  const podOf = (spec: ContainerSpec, privilege: Privilege) => ({ config: podSandboxConfig(request(spec), privilege, place), place });
  const namespaces = (ipc: 'POD' | 'NODE' = 'POD') => ({ network: 'NODE', pid: 'CONTAINER', ipc });
  const config = (securityContext: object, extra: { args?: string[]; mounts?: object[]; name?: string } = {}) => ({
    metadata: { name: extra.name ?? 'app', attempt: 0 },
    image: { image: 'sha256:1234' },
    ...(extra.args ? { args: extra.args } : {}),
    mounts: extra.mounts ?? [],
    labels: { ...LABELS, 'org.shmlab.cri.pod': 'run-app', 'org.shmlab.cri.handle': `run-${extra.name ?? 'app'}` },
    log_path: `${extra.name ?? 'app'}/0.log`,
    linux: { security_context: securityContext },
  });
  const unprivileged = (ipc?: 'POD' | 'NODE') => ({
    masked_paths: DEFAULT_MASKED_PATHS,
    readonly_paths: DEFAULT_READONLY_PATHS,
    namespace_options: namespaces(ipc),
    seccomp: { profile_type: 'RuntimeDefault' },
  });
  it.each<[string, ContainerSpec, Privilege, object]>([
    [
      "unprivileged: the kubelet's default masked and read-only paths",
      { cmd: ['/bin/idle', 'a b'] },
      'none',
      config(unprivileged(), { args: ['/bin/idle', 'a b'] }),
    ],
    ['privileged', { privileged: true }, 'privileged', config({ privileged: true, namespace_options: namespaces(), seccomp: { profile_type: 'Unconfined' } })],
    [
      'equivalent: CAP_SYS_ADMIN, nothing masked or read-only',
      { privileged: true },
      'equivalent',
      config({
        capabilities: { add_capabilities: ['SYS_ADMIN'] },
        masked_paths: [],
        readonly_paths: [],
        namespace_options: namespaces(),
        seccomp: { profile_type: 'RuntimeDefault' },
      }),
    ],
    ["host IPC: the pod's namespaces", { ipc: 'host' }, 'none', config(unprivileged('NODE'))],
  ])('%s', (_, spec, privilege, expected) => {
    const made = containerSpec(request(spec), podOf(spec, privilege), privilege);
    same(made.config, expected);
    expect(made.volumes).toEqual([]);
  });

  it('mounts each emptyDir from a folder of the pod, with a tmpfs of the asked size for medium: Memory', () => {
    const spec: ContainerSpec = {
      volumes: [
        { volume: 'data', target: '/data' },
        { volume: 'memory', target: '/memory', medium: 'Memory', sizeBytes: 1048576 },
        { volume: 'scratch', target: '/scratch', medium: 'Memory' },
      ],
    };
    const made = containerSpec(request(spec), podOf(spec, 'none'), 'none');
    expect(made.volumes).toEqual([
      { hostPath: '/data/emptydir/run-app/r1-data', containerPath: '/data' },
      { hostPath: '/data/emptydir/run-app/r1-memory', containerPath: '/memory', tmpfs: { sizeBytes: 1048576 } },
      { hostPath: '/data/emptydir/run-app/r1-scratch', containerPath: '/scratch', tmpfs: {} },
    ]);
    same(made.config.mounts, [
      { container_path: '/data', host_path: '/data/emptydir/run-app/r1-data' },
      { container_path: '/memory', host_path: '/data/emptydir/run-app/r1-memory' },
      { container_path: '/scratch', host_path: '/data/emptydir/run-app/r1-scratch' },
    ]);
  });

  it("puts a container that joins another's IPC namespace in that pod: its labels, its namespaces, its emptyDir folder", () => {
    const holder = podOf({ ipc: 'shareable' }, 'none');
    const spec: ContainerSpec = { ipc: 'container:app', volumes: [{ volume: 'data', target: '/data' }] };
    const made = containerSpec(request(spec, 'sidecar'), holder, 'none');
    same(made.config, config(unprivileged(), { name: 'sidecar', mounts: [{ container_path: '/data', host_path: '/data/emptydir/run-app/r1-data' }] }));
    expect(joinedContainer(spec)).toBe('app');
    expect(joinedContainer({ ipc: 'host' })).toBeUndefined();
  });

  it('restarts as a new attempt with its own log file, the rest of the config unchanged', () => {
    const { config: first } = containerSpec(request({ cmd: ['/bin/idle'] }), podOf({}, 'none'), 'none');
    const second = nextAttempt(first, 'app');
    same(second, { ...first, metadata: { name: 'app', attempt: 1 }, log_path: 'app/1.log' });
    expect(nextAttempt(second, 'app').log_path).toBe('app/2.log');
    expect(first.metadata.attempt).toBe(0);
  });
});

describe('grantsOf', () => {
  it.each<[string, ContainerSpec, Privilege, string[]]>([
    ['unprivileged: the network only', {}, 'none', [NETWORK]],
    ['privileged', { privileged: true }, 'privileged', [NETWORK, 'privileged (pod and container)']],
    ['equivalent', { privileged: true }, 'equivalent', [NETWORK, EQUIVALENT_GRANT]],
    ['host IPC', { ipc: 'host' }, 'none', [NETWORK, "IPC namespace: host (the pod's namespace_options.ipc = NODE)"]],
    ['shareable', { ipc: 'shareable' }, 'none', [NETWORK, "IPC namespace: shareable (the pod's own, shared by every container created in the pod)"]],
    [
      'joined: its sysctls are not applied',
      { ipc: 'container:holder', sysctls: { 'kernel.shmmax': '1' } },
      'none',
      [
        NETWORK,
        "IPC namespace: container:holder (created in that container's pod, whose IPC namespace its containers share)",
        "sysctl kernel.shmmax=1: not applied (sysctls are the pod's, set by the container that made it)",
      ],
    ],
    [
      'sysctls at pod level',
      { sysctls: { 'kernel.shmmax': '33554432', 'kernel.shm_rmid_forced': '1' } },
      'none',
      [NETWORK, 'sysctl kernel.shmmax=33554432 (pod-level)', 'sysctl kernel.shm_rmid_forced=1 (pod-level)'],
    ],
    [
      'volumes on disk and in memory',
      {
        volumes: [
          { volume: 'data', target: '/data' },
          { volume: 'memory', target: '/memory', medium: 'Memory', sizeBytes: 1048576 },
          { volume: 'scratch', target: '/scratch', medium: 'Memory' },
        ],
      },
      'none',
      [
        NETWORK,
        'emptyDir data at /data (a host folder shmlab made for the pod, as the kubelet would; removed with the pod)',
        'emptyDir memory (medium: Memory) at /memory (a tmpfs of 1048576 bytes shmlab mounted on a host folder it made for the pod, as the kubelet would; removed with the pod)',
        'emptyDir scratch (medium: Memory) at /scratch (a tmpfs shmlab mounted on a host folder it made for the pod, as the kubelet would; removed with the pod)',
      ],
    ],
    [
      'shm size: said not applicable',
      { shmSizeBytes: 1024 },
      'none',
      [NETWORK, "shm size 1024: not applicable on CRI (no such setting; /dev/shm is the sandbox's tmpfs)"],
    ],
    [
      'all at once, in a fixed order',
      { ipc: 'host', sysctls: { 'kernel.shmmax': '1' }, shmSizeBytes: 0, privileged: true },
      'privileged',
      [
        NETWORK,
        "IPC namespace: host (the pod's namespace_options.ipc = NODE)",
        'sysctl kernel.shmmax=1 (pod-level)',
        "shm size 0: not applicable on CRI (no such setting; /dev/shm is the sandbox's tmpfs)",
        'privileged (pod and container)',
      ],
    ],
  ])('%s', (_, spec, privilege, expected) => {
    expect(grantsOf(spec, privilege)).toEqual(expected);
  });

  it('says whose network the node network namespace is, when known', () => {
    expect(grantsOf({}, 'none', 'its own, with loopback only')[0]).toBe(`${NETWORK} — here its own, with loopback only`);
  });
});

describe('shmSizeNote', () => {
  it.each<[ContainerSpec, string]>([
    [{}, ''],
    [{ shmSizeBytes: 1024 }, "\n# shm size 1024: not applicable on CRI (no such setting; /dev/shm is the sandbox's tmpfs)"],
    [{ shmSizeBytes: 0 }, "\n# shm size 0: not applicable on CRI (no such setting; /dev/shm is the sandbox's tmpfs)"],
  ])('%j', (spec, note) => {
    expect(shmSizeNote(spec)).toBe(note);
  });
});
