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
  }

  withHostConfig(extra: HostConfig): this {
    Object.assign(this.hostConfig, extra);
    return this;
  }

  protected override async containerCreated(containerId: string): Promise<void> {
    this.onCreated(containerId);
  }
}
