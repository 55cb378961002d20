// Whether this engine's host can start a --privileged container, learnt from the engine's own answer to the
// first privileged container an experiment runs: no separate probe container, nothing on the critical path.

import type { PrivilegeMode } from '../model/result.js';
import { engineWords } from './engine-words.js';

// What runc says when the host's capability bounding set is narrower than --privileged asks for.
export const CANNOT_APPLY_CAPS = /apply caps|operation not permitted/i;

export class PrivilegeResolver {
  private known?: Promise<PrivilegeMode>;
  private settled?: PrivilegeMode;

  /** The mode found, once a privileged container has been tried; `not needed` when none was. */
  get mode(): PrivilegeMode {
    return this.settled ?? { mode: 'not needed' };
  }

  /**
   * Runs a container that wants privilege: the first one tries --privileged and, if the engine refuses for lack of
   * capabilities, is run again with the nearest equivalent; later ones wait for that answer and use it.
   */
  async run<T>(start: (mode: PrivilegeMode) => Promise<T>, discard: () => Promise<void>, onRefused: (words: string) => void = () => {}): Promise<T> {
    if (this.known) return start(await this.known);
    let decide!: (mode: PrivilegeMode) => void;
    this.known = new Promise((resolve) => (decide = resolve));
    try {
      const result = await start({ mode: 'privileged' });
      this.settle(decide, { mode: 'privileged' });
      return result;
    } catch (err) {
      const words = engineWords(err);
      if (!CANNOT_APPLY_CAPS.test(words)) {
        this.settle(decide, { mode: 'unknown', reason: `a privileged container failed to start for another reason: ${words}` });
        throw err;
      }
      await discard();
      onRefused(words);
      const equivalent: PrivilegeMode = {
        mode: 'equivalent',
        reason: `this host cannot start a --privileged container (the engine said: "${words}"), so the privileged experiments use the nearest equivalent: CAP_SYS_ADMIN and no read-only or masked paths (--cap-add SYS_ADMIN --security-opt systempaths=unconfined)`,
      };
      this.settle(decide, equivalent);
      return start(equivalent);
    }
  }

  private settle(decide: (mode: PrivilegeMode) => void, mode: PrivilegeMode): void {
    this.settled = mode;
    decide(mode);
  }
}
