// GenericContainer with the host settings testcontainers has no method for (sysctls, read-only paths),
// and a hook that records a container as soon as it exists, so a failed start still gets cleaned up.
import type { HostConfig } from 'dockerode';
import { GenericContainer } from 'testcontainers';

export class LabContainer extends GenericContainer {
  constructor(
    image: string,
    private readonly onCreated: (id: string) => void,
  ) {
    super(image);
    // No network at all: the container gets its own empty network namespace, and the engine skips its network
    // sandbox (for Docker, the libnetwork-setkey hook that re-executes dockerd at every start), which halves
    // the cost of a start. The CLI has no flag for it; NetworkMode stays "none" for engines that ignore it.
    this.createOpts.NetworkDisabled = true;
  }

  withHostConfig(extra: HostConfig): this {
    Object.assign(this.hostConfig, extra);
    return this;
  }

  protected override async containerCreated(containerId: string): Promise<void> {
    this.onCreated(containerId);
  }
}
