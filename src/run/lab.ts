// The lab for whichever engine family the environment names: a CRI runtime when CONTAINER_RUNTIME_ENDPOINT names
// one (crictl's convention), else a Docker API engine. The families differ only in their own folders.
import { openDockerLab } from '../docker/docker-lab.js';
import type { Lab, LabSetup } from '../lab/lab.js';

export type { Lab } from '../lab/lab.js';

export async function openLab(setup: LabSetup): Promise<Lab> {
  const endpoint = (setup.env ?? process.env).CONTAINER_RUNTIME_ENDPOINT;
  if (endpoint !== undefined) return (await import('../cri/cri-lab.js')).openCriLab(setup, endpoint);
  return openDockerLab(setup);
}
