// Turns a container spec (data) into the engine's settings, the equivalent CLI flags, and the grants to report.
import type { HostConfig } from 'dockerode';
import type { ContainerSpec } from '../model/experiment.js';
import type { PrivilegeMode } from '../model/result.js';

interface ContainerConfig {
  hostConfig: HostConfig;
  ipcMode?: string;
  /** docker run flags meaning the same, for the transcript. */
  flags: string[];
  /** What the container was granted beyond an unprivileged default. */
  grants: string[];
}

/** Flags of the nearest equivalent of --privileged that a restricted host can start. */
const EQUIVALENT_FLAGS = ['--cap-add', 'SYS_ADMIN', '--security-opt', 'systempaths=unconfined'];

export function containerConfig(
  spec: ContainerSpec,
  privilege: PrivilegeMode,
  resolve: { container: (name: string) => string; volume: (name: string) => string },
): ContainerConfig {
  const hostConfig: HostConfig = {};
  const flags: string[] = ['--network', 'none'];
  const grants: string[] = [];
  let ipcMode: string | undefined;
  if (spec.ipc && spec.ipc !== 'private') {
    const joined = spec.ipc.startsWith('container:') ? spec.ipc.slice('container:'.length) : undefined;
    ipcMode = joined ? `container:${resolve.container(joined)}` : spec.ipc;
    flags.push(`--ipc=${joined ? `container:${joined}` : spec.ipc}`);
    grants.push(`IPC namespace: ${spec.ipc}`);
  } else if (spec.ipc === 'private') {
    ipcMode = 'private';
    flags.push('--ipc=private');
  }
  for (const [key, value] of Object.entries(spec.sysctls ?? {})) {
    hostConfig.Sysctls = { ...hostConfig.Sysctls, [key]: value };
    flags.push('--sysctl', `${key}=${value}`);
    grants.push(`sysctl ${key}=${value}`);
  }
  if (spec.shmSizeBytes !== undefined) {
    hostConfig.ShmSize = spec.shmSizeBytes;
    flags.push(`--shm-size=${spec.shmSizeBytes}`);
  }
  if (spec.memoryLimitBytes !== undefined) {
    // As much for memory and swap: no swapping past the limit, as a Kubernetes node runs its pods.
    Object.assign(hostConfig, { Memory: spec.memoryLimitBytes, MemorySwap: spec.memoryLimitBytes });
    flags.push(`--memory=${spec.memoryLimitBytes}`, `--memory-swap=${spec.memoryLimitBytes}`);
    grants.push(`memory limit ${spec.memoryLimitBytes} bytes (swap included)`);
  }
  for (const { volume, target, medium, sizeBytes } of spec.volumes ?? []) {
    if (medium === 'Memory') {
      hostConfig.Mounts = [
        ...(hostConfig.Mounts ?? []),
        { Type: 'tmpfs', Source: '', Target: target, ...(sizeBytes ? { TmpfsOptions: { SizeBytes: sizeBytes, Mode: 0o1777 } } : {}) },
      ];
      flags.push('--tmpfs', `${target}${sizeBytes ? `:size=${sizeBytes}` : ''}`);
      grants.push(`tmpfs at ${target}${sizeBytes ? ` (${sizeBytes} bytes)` : ''}`);
      continue;
    }
    hostConfig.Mounts = [...(hostConfig.Mounts ?? []), { Type: 'volume', Source: resolve.volume(volume), Target: target }];
    flags.push('-v', `${volume}:${target}`);
    grants.push(`named volume ${volume} at ${target}`);
  }
  if (spec.privileged) {
    if (privilege.mode === 'equivalent') {
      Object.assign(hostConfig, { CapAdd: ['SYS_ADMIN'], ReadonlyPaths: [], MaskedPaths: [] });
      flags.push(...EQUIVALENT_FLAGS);
      grants.push('CAP_SYS_ADMIN with writable /proc/sys (this engine could not start --privileged here)');
    } else {
      hostConfig.Privileged = true;
      flags.push('--privileged');
      grants.push('--privileged');
    }
  }
  return { hostConfig, ipcMode, flags, grants };
}
