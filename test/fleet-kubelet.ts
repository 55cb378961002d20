// The pod of `shmlab fleet manifests`, made as a kubelet would make it, for the tests that run the fleet image here
// without a cluster: through CRI on a containerd shmlab started (shmlab in the kubelet's place), or as a Docker
// container with the same settings. Only what shmlab's manifests use is translated; anything else is refused.
import { mkdirSync } from 'node:fs';
import type { IPodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
import type { ContainerConfig, Mount, PodSandboxConfig } from '../src/cri/cri-types.js';

/** The host paths of this machine that stand for the node's (its runtime socket is not at the usual path here). */
export type HostPaths = Record<string, string>;

interface PodParts {
  spec: NonNullable<IPodTemplateSpec['spec']>;
  container: NonNullable<IPodTemplateSpec['spec']>['containers'][number];
  mounts: { hostPath: string; containerPath: string; readOnly: boolean; propagation?: string; type?: string }[];
  env: Record<string, string>;
}

const KNOWN_FIELDS = new Set(['hostIPC', 'hostPID', 'tolerations', 'restartPolicy', 'containers', 'volumes', 'nodeName', 'runtimeClassName']);
const PROPAGATION: Record<string, string> = { Bidirectional: 'PROPAGATION_BIDIRECTIONAL', HostToContainer: 'PROPAGATION_HOST_TO_CONTAINER' };

function partsOf(template: IPodTemplateSpec, hostPaths: HostPaths, node: string): PodParts {
  const spec = template.spec;
  if (!spec || spec.containers.length !== 1) throw new Error('the fleet pod has one container');
  const unknown = Object.keys(spec).filter((k) => !KNOWN_FIELDS.has(k));
  if (unknown.length) throw new Error(`the stand-in kubelet does not translate ${unknown.join(', ')}`);
  const container = spec.containers[0]!;
  const mounts = (container.volumeMounts ?? []).map((m) => {
    const volume = spec.volumes?.find((v) => v.name === m.name);
    if (!volume?.hostPath) throw new Error(`volume ${m.name} is not a hostPath`);
    return {
      hostPath: hostPaths[volume.hostPath.path] ?? volume.hostPath.path,
      containerPath: m.mountPath,
      readOnly: Boolean(m.readOnly),
      ...(m.mountPropagation ? { propagation: m.mountPropagation } : {}),
      ...(volume.hostPath.type ? { type: volume.hostPath.type } : {}),
    };
  });
  const env = Object.fromEntries(
    (container.env ?? []).map((e) => {
      if (e.valueFrom?.fieldRef?.fieldPath === 'spec.nodeName') return [e.name, node];
      if (e.value !== undefined) return [e.name, e.value];
      throw new Error(`env ${e.name} is neither a value nor spec.nodeName`);
    }),
  );
  // The kubelet makes a DirectoryOrCreate folder before the pod starts.
  for (const m of mounts) if (m.type === 'DirectoryOrCreate') mkdirSync(m.hostPath, { recursive: true });
  return { spec, container, mounts, env };
}

/** The CRI requests for the template's pod. The node's network: this machine has no CNI network for pods (shmlab needs none). */
export function criPodOf(
  template: IPodTemplateSpec,
  options: { hostPaths: HostPaths; node: string; image: string; uid: string; logDirectory: string },
): { sandbox: PodSandboxConfig; container: ContainerConfig } {
  const { spec, container, mounts, env } = partsOf(template, options.hostPaths, options.node);
  const privileged = Boolean(container.securityContext?.privileged);
  const namespaces = { network: 'NODE', pid: spec.hostPID ? 'NODE' : 'CONTAINER', ipc: spec.hostIPC ? 'NODE' : 'POD' } as const;
  const sandbox: PodSandboxConfig = {
    metadata: { name: 'shmlab-fleet', uid: options.uid, namespace: 'shmlab', attempt: 0 },
    hostname: '',
    log_directory: options.logDirectory,
    labels: { ...(template.metadata?.labels ?? {}) },
    linux: { security_context: { privileged, namespace_options: { ...namespaces } } },
  };
  const criMounts: Mount[] = mounts.map((m) => ({
    host_path: m.hostPath,
    container_path: m.containerPath,
    ...(m.readOnly ? { readonly: true } : {}),
    ...(m.propagation && PROPAGATION[m.propagation] ? { propagation: PROPAGATION[m.propagation] } : {}),
  }));
  return {
    sandbox,
    container: {
      metadata: { name: container.name, attempt: 0 },
      image: { image: options.image },
      ...(container.args ? { args: container.args } : {}),
      envs: Object.entries(env).map(([key, value]) => ({ key, value: Buffer.from(value) })),
      mounts: criMounts,
      log_path: `${container.name}.log`,
      linux: { security_context: { privileged, namespace_options: { ...namespaces } } },
    },
  };
}

/** Docker's create options for the template's pod (a Docker node's pod: no privilege, no propagation). */
export function dockerContainerOf(template: IPodTemplateSpec, options: { hostPaths: HostPaths; node: string; image: string }) {
  const { spec, container, mounts, env } = partsOf(template, options.hostPaths, options.node);
  if (container.securityContext?.privileged || mounts.some((m) => m.propagation)) throw new Error("a Docker node's fleet pod asks for no privilege");
  return {
    Image: options.image,
    ...(container.args ? { Cmd: container.args } : {}),
    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    HostConfig: {
      NetworkMode: 'none',
      IpcMode: spec.hostIPC ? 'host' : 'private',
      ...(spec.hostPID ? { PidMode: 'host' } : {}),
      Binds: mounts.map((m) => `${m.hostPath}:${m.containerPath}${m.readOnly ? ':ro' : ''}`),
    },
  };
}
