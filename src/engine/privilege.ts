// Whether this engine can start a privileged container on this host, learnt from the engine's own answer to the first
// privileged container an experiment runs: no separate probe container, nothing on the critical path. One learner for
// every family; each driver says what its equivalent is, in its own words.

import type { PrivilegeMode } from '../model/result.js';
import { engineWords } from './engine-words.js';

// What runc says when the host's capability bounding set is narrower than privileged asks for.
const CANNOT_APPLY_CAPS = /apply caps|operation not permitted/i;

export class PrivilegeResolver {
  /** The answer every privileged container waits for; resolves to undefined when the attempt told nothing. */
  private known?: Promise<PrivilegeMode | undefined>;
  private settled?: PrivilegeMode;

  /**
   * `equivalentReason`: the reason reported when the engine refused privileged for lack of capabilities, from its
   * words: which engine could not, and what the nearest equivalent is in that engine's terms.
   */
  constructor(private readonly equivalentReason: (words: string) => string) {}

  /** The mode found, once a privileged container has been tried; `not needed` when none was. */
  get mode(): PrivilegeMode {
    return this.settled ?? { mode: 'not needed' };
  }

  /**
   * Runs a container that wants privilege: the first one tries privileged and, if the engine refuses for lack of
   * capabilities, is run again with the nearest equivalent; later ones wait for that answer and use it. A failure for
   * another reason tells nothing about privilege: the mode is unknown until the next privileged container asks again.
   */
  async run<T>(start: (mode: PrivilegeMode) => Promise<T>, discard: () => Promise<void>, onRefused: (words: string) => void = () => {}): Promise<T> {
    while (this.known) {
      const mode = await this.known;
      if (mode) return start(mode);
    }
    let decide!: (mode: PrivilegeMode | undefined) => void;
    this.known = new Promise((resolve) => (decide = resolve));
    try {
      const result = await start({ mode: 'privileged' });
      this.settle(decide, { mode: 'privileged' });
      return result;
    } catch (err) {
      const words = engineWords(err);
      if (!CANNOT_APPLY_CAPS.test(words)) {
        this.settled = { mode: 'unknown', reason: `a privileged container failed to start for another reason: ${words}` };
        this.known = undefined;
        decide(undefined);
        throw err;
      }
      await discard();
      onRefused(words);
      const equivalent: PrivilegeMode = { mode: 'equivalent', reason: this.equivalentReason(words) };
      this.settle(decide, equivalent);
      return start(equivalent);
    }
  }

  private settle(decide: (mode: PrivilegeMode) => void, mode: PrivilegeMode): void {
    this.settled = mode;
    decide(mode);
  }
}
