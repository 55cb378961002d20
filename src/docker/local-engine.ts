// The local default engine: Debian's docker.io, installed and started only when no engine is configured or running.

import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { aptInstall, canProvision, hasCommand, openLog, type Say } from '../engine/host-tools.js';
import { interruption } from '../engine/interruption.js';
import { EngineUnavailableError } from '../errors.js';
import type { EngineAddress } from './docker-address.js';
import { probeEngine } from './docker-probe.js';

const DOCKERD_LOG = '/var/log/shmlab-dockerd.log';

// Installs and starts dockerd for the default socket; returns once it answers.
export async function provisionLocalEngine(address: EngineAddress, say: Say, signal?: AbortSignal): Promise<void> {
  if (!canProvision()) {
    throw new EngineUnavailableError(
      `No container engine answers at ${address.uri}: start Docker or Podman's Docker API service, or set DOCKER_HOST to one that runs, then try again.`,
    );
  }
  if (!(await hasCommand('dockerd'))) await aptInstall(['docker.io'], say, signal);
  say(`starting dockerd (log: ${DOCKERD_LOG})...`);
  mkdirSync('/var/log', { recursive: true });
  const log = openLog(DOCKERD_LOG);
  // No experiment needs a network: no bridge, no iptables rules on the host.
  const daemon = spawn('dockerd', ['--bridge', 'none', '--iptables=false', '--ip6tables=false'], {
    detached: true,
    stdio: ['ignore', log, log],
  });
  daemon.unref();
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    // The daemon started goes on (it is the machine's engine now); only the wait for it ends.
    if (signal?.aborted) throw interruption(signal, `while waiting for dockerd to answer at ${address.uri}`);
    if ((await probeEngine(address, 1000)).ok) {
      say(`dockerd answers at ${address.uri} (pid ${daemon.pid})`);
      return;
    }
    if (daemon.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new EngineUnavailableError(`dockerd did not come up at ${address.uri}; see ${DOCKERD_LOG}.`);
}
