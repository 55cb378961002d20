import { loadAllYaml } from '@kubernetes/client-node';
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import { buildManifests, renderManifests } from './manifests.js';
import { HOST_MOUNTS, SOCKETS } from './pod-needs.js';

const image = 'registry.example/shmlab:0.1.0';

const daemonSetOf = (objects: ReturnType<typeof buildManifests>) => {
  const ds = objects.find((o) => o.kind === 'DaemonSet');
  if (!(ds instanceof DaemonSet)) throw new Error('no DaemonSet');
  return ds;
};

describe('fleet manifests', () => {
  it('builds a Namespace and a DaemonSet that follow Kubernetes’ schema', () => {
    const objects = buildManifests({ image });
    expect(objects.map((o) => o.kind)).toEqual(['Namespace', 'DaemonSet']);
    for (const o of objects) expect(() => o.validate()).not.toThrow();
    expect(objects[0]?.metadata?.labels?.['pod-security.kubernetes.io/enforce']).toBe('privileged');
  });

  it('gives the DaemonSet’s pod the node’s IPC namespace, every toleration, the runtime socket and the reports folder', () => {
    const pod = daemonSetOf(buildManifests({ image })).spec?.template.spec;
    expect(pod?.hostIPC).toBe(true);
    expect(pod?.tolerations).toEqual([{ operator: 'Exists' }]);
    expect(pod?.runtimeClassName).toBeUndefined();
    expect(pod?.volumes).toContainEqual({ name: 'runtime-socket', hostPath: { path: '/run/containerd/containerd.sock', type: 'Socket' } });
    expect(pod?.volumes).toContainEqual({ name: 'reports', hostPath: { path: '/var/lib/shmlab/fleet-reports', type: 'DirectoryOrCreate' } });
    const container = pod?.containers[0];
    expect(container).toMatchObject({ name: 'shmlab', image, imagePullPolicy: 'IfNotPresent', args: ['fleet', 'pod', '--stay'] });
    expect(container?.volumeMounts).toEqual([
      { name: 'runtime-socket', mountPath: '/run/containerd/containerd.sock' },
      { name: 'reports', mountPath: '/reports' },
      { name: 'run-records', mountPath: '/run/shmlab' },
      { name: 'pod-folders', mountPath: '/var/lib/shmlab/cri-data', mountPropagation: 'Bidirectional' },
      { name: 'cgroups', mountPath: '/sys/fs/cgroup' },
      { name: 'os-release', mountPath: '/etc/os-release', readOnly: true },
    ]);
    expect(container?.env).toEqual([{ name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }]);
    // On a containerd node shmlab does what a kubelet does for its own pods: privileged, the node's pids.
    expect(container?.securityContext).toEqual({ runAsUser: 0, readOnlyRootFilesystem: false, privileged: true });
    expect(pod?.hostPID).toBe(true);
  });

  it('asks a Docker node for no privilege, no node pids and no mounts beyond the socket, the reports and the run records', () => {
    const pod = daemonSetOf(buildManifests({ image, socket: 'docker' })).spec?.template.spec;
    expect(pod?.hostPID).toBeUndefined();
    expect(pod?.containers[0]?.securityContext).toEqual({ runAsUser: 0, readOnlyRootFilesystem: false });
    expect(pod?.volumes?.map((v) => v.name)).toEqual(['runtime-socket', 'reports', 'run-records']);
  });

  it('mounts Docker’s socket with --socket docker, and sets the RuntimeClass when asked', () => {
    const pod = daemonSetOf(buildManifests({ image, socket: 'docker', runtimeClass: 'gvisor' })).spec?.template.spec;
    expect(pod?.runtimeClassName).toBe('gvisor');
    expect(pod?.volumes?.[0]).toEqual({ name: 'runtime-socket', hostPath: { path: '/var/run/docker.sock', type: 'Socket' } });
    expect(pod?.containers[0]?.volumeMounts?.[0]).toEqual({ name: 'runtime-socket', mountPath: '/var/run/docker.sock' });
  });

  it('builds a clean Job with --node and --clean: the same pod, running shmlab fleet clean, kept out of gather', () => {
    const [, job] = buildManifests({ image, node: 'n1', clean: true });
    if (!(job instanceof Job)) throw new Error('no Job');
    expect(job.metadata?.name).toBe('shmlab-clean-n1');
    const template = job.spec?.template;
    expect(template?.metadata?.labels?.['app.kubernetes.io/component']).toBe('clean');
    expect(template?.spec?.containers[0]?.args).toEqual(['fleet', 'clean']);
    const run = buildManifests({ image, node: 'n1' })[1] as Job;
    expect(template?.spec?.volumes).toEqual(run.spec?.template.spec?.volumes);
    expect(() => job.validate()).not.toThrow();
  });

  it('builds a Job bound to the node only with --node: one try, never restarted', () => {
    expect(buildManifests({ image }).some((o) => o.kind === 'Job')).toBe(false);
    const objects = buildManifests({ image, node: 'worker-1.example', runtimeClass: 'kata' });
    expect(objects.map((o) => o.kind)).toEqual(['Namespace', 'Job']);
    const job = objects[1];
    if (!(job instanceof Job)) throw new Error('no Job');
    expect(() => job.validate()).not.toThrow();
    expect(job.metadata?.name).toBe('shmlab-worker-1.example');
    expect(job.spec?.backoffLimit).toBe(0);
    const pod = job.spec?.template.spec;
    expect(pod).toMatchObject({ nodeName: 'worker-1.example', restartPolicy: 'Never', hostIPC: true, runtimeClassName: 'kata' });
    expect(pod?.containers[0]?.args).toEqual(['fleet', 'pod']);
  });

  it('refuses a --node that cannot be a node’s name, in one sentence', () => {
    for (const node of ['../etc', 'Worker', '', 'a'.repeat(60)]) expect(() => buildManifests({ image, node })).toThrow(UsageError);
  });

  it('prints YAML that client-node reads back into the same objects, with every need’s reason as a comment', () => {
    const text = renderManifests({ image, runtimeClass: 'gvisor' });
    const loaded = loadAllYaml(text);
    expect(loaded.map((o) => o.kind)).toEqual(['Namespace', 'DaemonSet']);
    expect(loaded[1].spec.template.spec.hostIPC).toBe(true);
    expect(loaded[1].spec.template.spec.runtimeClassName).toBe('gvisor');
    expect(loaded[1].spec.template.spec.volumes[0].hostPath).toEqual({ path: '/run/containerd/containerd.sock', type: 'Socket' });
    // What was printed, read back as plain data, is again a valid DaemonSet.
    expect(() => new DaemonSet(JSON.parse(JSON.stringify(loaded[1]))).validate()).not.toThrow();
    for (const m of [SOCKETS.containerd, ...HOST_MOUNTS]) expect(text).toContain(`: ${m.why}\n`);
    expect(text.split('\n---\n')).toHaveLength(2);
  });
});
