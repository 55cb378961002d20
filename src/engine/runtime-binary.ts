// Where an engine's OCI runtime comes from: bookworm's package installed with apt, another suite's package unpacked
// into the cache, or (build: "source") built from another suite's source package.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { EngineUnavailableError } from '../errors.js';
import type { RuntimeEntry } from '../model/engine-entry.js';
import { debianPackage } from './debian-package.js';
import { aptInstall, hasCommand, type Say } from './host-tools.js';
import { crunFromSource } from './runtime-build.js';

export async function runtimeBinary(runtime: RuntimeEntry, say: Say): Promise<string> {
  const { name } = runtime;
  const suite = runtime.from ?? 'bookworm';
  if (runtime.build === 'source') {
    if (name !== 'crun') throw new EngineUnavailableError(`shmlab builds only crun from source, not ${name}.`);
    return crunFromSource(suite, say);
  }
  if (suite === 'bookworm') {
    if (!(await hasCommand(name))) await aptInstall([name], say);
    return `/usr/bin/${name}`;
  }
  const root = await debianPackage(suite, name, say);
  const found = ['usr/bin', 'usr/sbin', 'bin', 'sbin'].map((d) => join(root, d, name)).find((p) => existsSync(p));
  if (!found) throw new EngineUnavailableError(`Debian ${suite}'s ${name} package holds no ${name} program.`);
  return found;
}
