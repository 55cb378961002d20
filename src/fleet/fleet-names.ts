// The names the manifests give and `fleet gather` looks for: one place, so that the two cannot drift apart.

export const NAMESPACE = 'shmlab';
/** The label every shmlab pod carries. */
export const NAME_LABEL = { 'app.kubernetes.io/name': 'shmlab' } as const;
/** The pods whose logs carry reports: a clean Job's pod (component clean) has none. */
export const NAME_SELECTOR = 'app.kubernetes.io/name=shmlab,app.kubernetes.io/component!=clean';
/** The container whose log carries the report. */
export const CONTAINER = 'shmlab';

// A node's name as Kubernetes allows it: a DNS subdomain (lower-case letters, digits, "-" and ".", at most 253).
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Whether `name` can be a Kubernetes node's name, and so a file name (no slash, no leading dot, never `..`). */
export function isNodeName(name: string): boolean {
  return DNS_SUBDOMAIN.test(name);
}
