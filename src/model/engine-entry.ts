// An engine of the matrix, as engines.json (or `--engine name=address`) names it: what it is, where its package comes
// from, and the OCI runtime its containers run under. Each family provisions its own kinds from it.

export type EngineEntryKind = 'docker' | 'podman' | 'containerd';

export interface EngineEntry {
  name: string;
  /** docker and podman serve the Docker API; containerd serves CRI, as on a Kubernetes node. */
  kind: EngineEntryKind;
  /** Debian suite that provides it; absent for an engine given by address. */
  from?: string;
  /** An engine already running somewhere: used as given, never provisioned. */
  address?: string;
  /** The OCI runtime its containers run under, named explicitly (a runtime installed beside it must not be picked by chance). */
  runtime?: RuntimeEntry;
  /**
   * false: the engine is compared but does not decide the matrix's exit code (a runtime known to differ, such as
   * gVisor, whose differences are findings); its run must still finish and write its report. Default true.
   */
  gate?: boolean;
  /**
   * Run as an unprivileged user in a user namespace of its own (shmlab's user shmlab-rootless, made where missing,
   * with subordinate id ranges). Podman only.
   */
  rootless?: true;
}

export type RuntimeName = 'runc' | 'crun' | 'runsc';

export interface RuntimeEntry {
  name: RuntimeName;
  /** Debian suite of the runtime's package (default: the system's runc, or bookworm's package). */
  from?: string;
  /** Arguments the engine gives the runtime (gVisor here needs --network=none). */
  args?: string[];
  /** `source`: built from the suite's source package (its binary needs a newer C library than this host's). crun only. */
  build?: 'source';
}
