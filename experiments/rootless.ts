// What a rootless engine changes for containers that join the host's IPC namespace: texts shared by the experiments
// that run one, for the set-ups (family.ts' SetUpName) whose answers differ.

/** Why a rootless Docker refuses every container in the host's IPC namespace (the kernel's rule, with its source). */
export const ROOTLESS_DOCKER_HOST_IPC =
  "A rootless Docker's containers live in its user namespace, and its runc gives each container a new mqueue file system at `/dev/mqueue` (Docker's default mounts, moby oci/defaults.go). The kernel lets a process mount one only with CAP_SYS_ADMIN in the user namespace that owns the IPC namespace it is for (ipc/mqueue.c, `mqueue_init_fs_context`, takes the IPC namespace's user namespace for the mount; fs/super.c, `mount_capable`, checks it). The host's IPC namespace belongs to the host's initial user namespace, not to rootless Docker's, so the mount fails with EPERM and no container of a rootless Docker can join the host's IPC namespace.";

/** The skip reason of a step that needs the refused container. */
export const NO_HOST_IPC_CONTAINER =
  "a rootless Docker's container cannot join the host's IPC namespace (the kernel refuses its runc the mqueue mount there), so there is no container for this step";

/** Why a rootless Podman's container in the host's IPC namespace keeps what the host's namespace keeps. */
export const ROOTLESS_PODMAN_HOST_IPC =
  "A rootless Podman's containers live in its user namespace, which does not own the host's IPC namespace, so the kernel would refuse them a new mqueue file system there (ipc/mqueue.c, fs/super.c `mount_capable`). Podman gives such a container the host's `/dev/mqueue` instead, bound (pkg/specgen/generate/oci.go, `SpecGenToOCI`), and the container joins the host's IPC namespace: what it creates there is the host's, as with a rootful engine, and outlives the container. (A host without a mounted `/dev/mqueue` makes Podman fail such a container; the environment above says how shmlab gave its engine one.)";
