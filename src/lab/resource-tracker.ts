// What a run (or one experiment of it) created, so that every path out of it can remove exactly that.
import { engineWords } from '../engine/engine-words.js';
import type { LabDriver } from '../engine/lab-driver.js';

type Kind = 'containers' | 'volumes' | 'images' | 'hostKeys';

export type HostKeyRemover = (keys: number[]) => Promise<void>;

export class ResourceTracker {
  readonly containers = new Set<string>();
  readonly volumes = new Set<string>();
  readonly images = new Set<string>();
  readonly hostKeys = new Set<number>();

  constructor(
    private readonly driver: LabDriver,
    private readonly parent?: ResourceTracker,
  ) {}

  /** A scope whose resources are also known to this one until the scope cleans them up. */
  child(): ResourceTracker {
    return new ResourceTracker(this.driver, this);
  }

  add(kind: 'hostKeys', value: number): void;
  add(kind: Exclude<Kind, 'hostKeys'>, value: string): void;
  add(kind: Kind, value: string | number): void {
    (this[kind] as Set<string | number>).add(value);
    if (this.parent) (this.parent[kind] as Set<string | number>).add(value);
  }

  /** No longer tracked (removed already, by an experiment's own step). */
  /** A host key already removed (and said so in the transcript): no longer the cleanup's. */
  forgetHostKey(key: number): void {
    this.hostKeys.delete(key);
    this.parent?.hostKeys.delete(key);
  }

  forget(kind: Exclude<Kind, 'hostKeys'>, value: string): void {
    this[kind].delete(value);
    this.parent?.[kind].delete(value);
  }

  /** Removes everything tracked here; returns the problems met, never throws. */
  async cleanup(removeHostKeys?: HostKeyRemover): Promise<string[]> {
    const problems: string[] = [];
    const attempt = async (what: string, action: () => Promise<void>) => {
      try {
        await action();
      } catch (err) {
        problems.push(`${what}: ${engineWords(err)}`);
      }
    };
    const take = <T>(kind: Kind): T[] => {
      const items = [...(this[kind] as Set<T>)];
      (this[kind] as Set<T>).clear();
      for (const item of items) (this.parent?.[kind] as Set<T> | undefined)?.delete(item);
      return items;
    };
    // Containers first: volumes and images cannot go while a container uses them. All at once; one that another
    // depends on (Podman refuses to remove an IPC holder before its joiners) goes after the others, newest first.
    const containers = take<string>('containers');
    const refused: string[] = [];
    await Promise.all(containers.map((id) => this.driver.remove(id).catch(() => refused.push(id))));
    for (const id of containers.filter((c) => refused.includes(c)).reverse()) await attempt(`container ${id.slice(0, 12)}`, () => this.driver.remove(id));
    const keys = take<number>('hostKeys');
    if (keys.length && removeHostKeys) await attempt(`host segments ${keys.join(', ')}`, () => removeHostKeys(keys));
    await Promise.all(take<string>('volumes').map((v) => attempt(`volume ${v}`, () => this.driver.removeVolume(v))));
    await Promise.all(take<string>('images').map((i) => attempt(`image ${i}`, async () => this.driver.removeImage?.(i))));
    return problems;
  }
}
