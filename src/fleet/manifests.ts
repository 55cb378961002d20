// `shmlab fleet manifests`: the Kubernetes objects that run shmlab on the nodes of a cluster, built from typed models
// and checked against Kubernetes' own schema before a line is printed. What the pod asks of its node is pod-needs.ts'.
import { dumpYaml } from '@kubernetes/client-node';
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import type { IPodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
import type { ISecurityContext } from 'kubernetes-models/v1/SecurityContext';
import type { Output } from '../cli/output.js';
import { UsageError } from '../errors.js';
import { CONTAINER, isNodeName, NAME_LABEL, NAMESPACE } from './fleet-names.js';
import { NAMESPACE_LABELS, needsOf, needsText, type SocketKind } from './pod-needs.js';

interface ManifestOptions {
  /** The image `shmlab fleet image` wrote, as the nodes pull it (the user's registry copy). */
  image: string;
  runtimeClass?: string;
  /** One node alone: a Job bound to it, in place of the DaemonSet. */
  node?: string;
  socket?: SocketKind;
  /** With node: a Job that runs `shmlab clean` there instead of the experiments. */
  clean?: boolean;
}

/** The pod every shmlab object runs: one container, the node's socket and reports folder, and the needs' settings. */
function podTemplate(options: ManifestOptions, component: string, args: string[]): IPodTemplateSpec {
  const needs = needsOf(options.socket ?? 'containerd');
  const mounts = needs.mounts;
  const security = Object.fromEntries(Object.entries(needs.container).map(([k, n]) => [k, n?.value])) as ISecurityContext;
  const podNeeds = Object.fromEntries(Object.entries(needs.pod).map(([k, n]) => [k, n?.value]));
  return {
    metadata: { labels: { ...NAME_LABEL, 'app.kubernetes.io/component': component } },
    spec: {
      ...podNeeds,
      ...(options.runtimeClass ? { runtimeClassName: options.runtimeClass } : {}),
      ...(options.node ? { nodeName: options.node } : {}),
      // Every node, tainted or not (control planes too): a node left out would be a column missing without a word.
      tolerations: [{ operator: 'Exists' }],
      restartPolicy: component === 'daemonset' ? 'Always' : 'Never',
      containers: [
        {
          name: CONTAINER,
          image: options.image,
          imagePullPolicy: 'IfNotPresent',
          args,
          env: [{ name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
          securityContext: security,
          volumeMounts: mounts.map((m) => ({
            name: m.name,
            mountPath: m.mountPath,
            ...(m.readOnly ? { readOnly: true } : {}),
            ...(m.mountPropagation ? { mountPropagation: m.mountPropagation } : {}),
          })),
        },
      ],
      volumes: mounts.map((m) => ({ name: m.name, hostPath: { path: m.hostPath, type: m.type } })),
    },
  };
}

/** The objects, in the order kubectl must create them: the namespace first. */
export function buildManifests(options: ManifestOptions): (Namespace | DaemonSet | Job)[] {
  if (options.node !== undefined && !isNodeName(options.node))
    throw new UsageError(`Expected --node to name a Kubernetes node (lower-case letters, digits, "-" and "."), got ${JSON.stringify(options.node)}.`);
  // The Job's name becomes a label of its pods (job-name), and a label's value is at most 63 characters.
  const jobName = `shmlab-${options.clean ? 'clean-' : ''}${options.node}`;
  if (options.node !== undefined && jobName.length > 63)
    throw new UsageError(`The node name ${options.node} is too long for a Job's name (${jobName} is over 63 characters).`);
  const namespace = new Namespace({
    metadata: { name: NAMESPACE, labels: { ...NAME_LABEL, ...Object.fromEntries(Object.entries(NAMESPACE_LABELS).map(([k, n]) => [k, n.value])) } },
  });
  const meta = (name: string) => ({ name, namespace: NAMESPACE, labels: { ...NAME_LABEL } });
  if (options.node) {
    // --clean: `shmlab clean` on that node, in the same pod (a pod killed mid-run leaves its containers and records).
    const job = new Job({
      metadata: meta(jobName),
      // One try: a second run on the same node would measure what the first one left.
      spec: {
        backoffLimit: 0,
        template: options.clean ? podTemplate(options, 'clean', ['fleet', 'clean']) : podTemplate(options, 'job', ['fleet', 'pod']),
      },
    });
    return [namespace, job];
  }
  const selector = { ...NAME_LABEL, 'app.kubernetes.io/component': 'daemonset' };
  // --stay: a DaemonSet's pod that exits is started again, and would run the experiments again.
  const daemonSet = new DaemonSet({
    metadata: meta('shmlab'),
    spec: { selector: { matchLabels: selector }, template: podTemplate(options, 'daemonset', ['fleet', 'pod', '--stay']) },
  });
  return [namespace, daemonSet];
}

/** The objects as one YAML stream, each checked first; one that does not validate is shmlab's bug. */
export function renderManifests(options: ManifestOptions): string {
  const objects = buildManifests(options);
  for (const o of objects) {
    try {
      o.validate();
    } catch (err) {
      throw new Error(`shmlab made a ${o.kind} that does not follow Kubernetes' schema (a bug in shmlab): ${(err as Error).message}`);
    }
  }
  const comments = [
    '# shmlab on every node (or one): kubectl apply -f this, then "shmlab fleet gather".',
    '# What the pod asks of its node, and why:',
    ...needsText(options.socket ?? 'containerd').map((line) => `# - ${line}`),
  ];
  return `${comments.join('\n')}\n${objects.map((o) => dumpYaml(o)).join('---\n')}`;
}

export function manifestsCommand(options: ManifestOptions, io: Output): number {
  io.out(renderManifests(options).replace(/\n$/, ''));
  return 0;
}
