// The CRI messages shmlab sends and reads, as @grpc/proto-loader gives them (keepCase, enums as strings).

export type NamespaceMode = 'POD' | 'CONTAINER' | 'NODE' | 'TARGET';
export type ContainerStateName = 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';
export type SandboxStateName = 'SANDBOX_READY' | 'SANDBOX_NOTREADY';
export type Labels = Record<string, string>;

export interface NamespaceOption {
  network?: NamespaceMode;
  pid?: NamespaceMode;
  ipc?: NamespaceMode;
  target_id?: string;
  userns_options?: UserNamespace;
}
interface IdMapping {
  host_id: number;
  container_id: number;
  length: number;
}
interface UserNamespace {
  mode: NamespaceMode;
  uids: IdMapping[];
  gids: IdMapping[];
}
export interface Mount {
  container_path: string;
  host_path: string;
  readonly?: boolean;
  propagation?: string;
}
export interface PodSandboxMetadata {
  name: string;
  uid: string;
  namespace: string;
  attempt: number;
}
export interface PodSandboxConfig {
  metadata: PodSandboxMetadata;
  hostname: string;
  log_directory: string;
  labels?: Labels;
  annotations?: Labels;
  linux: {
    cgroup_parent?: string;
    sysctls?: Labels;
    security_context?: { namespace_options?: NamespaceOption; privileged?: boolean; seccomp?: { profile_type: string } };
  };
}
export interface ContainerSecurityContext {
  privileged?: boolean;
  capabilities?: { add_capabilities?: string[]; drop_capabilities?: string[] };
  namespace_options?: NamespaceOption;
  masked_paths?: string[];
  readonly_paths?: string[];
  seccomp?: { profile_type: string };
}
export interface ContainerConfig {
  metadata: { name: string; attempt: number };
  image: { image: string };
  command?: string[];
  args?: string[];
  working_dir?: string;
  envs?: { key: string; value: Buffer }[];
  mounts?: Mount[];
  labels?: Labels;
  annotations?: Labels;
  log_path?: string;
  linux?: { resources?: { memory_limit_in_bytes?: number; memory_swap_limit_in_bytes?: number }; security_context?: ContainerSecurityContext };
}
export interface PodSandbox {
  id: string;
  metadata: PodSandboxMetadata;
  state: SandboxStateName;
  created_at: string;
  labels: Labels;
  annotations: Labels;
}
export interface PodSandboxStatus extends PodSandbox {
  linux?: { namespaces?: { options?: NamespaceOption } };
  runtime_handler: string;
}
export interface Container {
  id: string;
  pod_sandbox_id: string;
  metadata: { name: string; attempt: number };
  state: ContainerStateName;
  labels: Labels;
}
export interface ContainerStatus {
  id: string;
  metadata: { name: string; attempt: number };
  state: ContainerStateName;
  created_at: string;
  started_at: string;
  finished_at: string;
  exit_code: number;
  image: { image: string };
  image_ref: string;
  reason: string;
  message: string;
  labels: Labels;
  mounts: Mount[];
  log_path: string;
}
export interface Image {
  id: string;
  repo_tags: string[];
  repo_digests: string[];
  size: string;
  pinned: boolean;
}
export interface VersionResponse {
  version: string;
  runtime_name: string;
  runtime_version: string;
  runtime_api_version: string;
}
export interface StatusResponse {
  status: { conditions: { type: string; status: boolean; reason: string; message: string }[] } | null;
  info: Labels;
  runtime_handlers: { name: string; features: { recursive_read_only_mounts: boolean; user_namespaces: boolean } | null }[];
}
export interface ExecSyncResponse {
  stdout: Buffer;
  stderr: Buffer;
  exit_code: number;
}
