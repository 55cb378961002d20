import { describe, expect, it } from 'vitest';
import type { LabDriver } from '../../engine/lab-driver.js';
import type { Step } from '../../model/experiment.js';
import type { ActionCall } from './action.js';
import { type ExperimentState, NotApplicableError } from './experiment-state.js';
import { restartRuntime } from './restart-runtime.js';

const step: Step & { do: 'restart-runtime' } = { id: 'restart-runtime', do: 'restart-runtime', container: 'app' };

function call(driver: Partial<LabDriver>): { call: ActionCall<typeof step>; said: string[] } {
  const said: string[] = [];
  const state = { ctx: { driver, family: 'cri' } } as unknown as ExperimentState;
  return { call: { step, state, setCommand: (c) => said.push(c), describe: () => said.push('described'), handle: () => 'h' }, said };
}

describe('restart-runtime', () => {
  it('restarts a runtime shmlab started, saying what it did', async () => {
    const { call: c, said } = call({ restartRuntime: async () => 'containerd (pid 1) stopped and started again (pid 2)' });
    expect(await restartRuntime.perform(c)).toEqual({ stdout: 'containerd (pid 1) stopped and started again (pid 2)\n' });
    expect(said).toEqual(['described']);
  });

  it('is not applicable on a runtime started outside shmlab, with the reason, and touches nothing', async () => {
    let restarted = false;
    const { call: c, said } = call({
      noRuntimeRestart: 'shmlab restarts only a containerd it started itself',
      restartRuntime: async () => {
        restarted = true;
        return '';
      },
    });
    const err = await restartRuntime.perform(c).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotApplicableError);
    expect((err as Error).message).toBe('shmlab restarts only a containerd it started itself, which step restart-runtime needs');
    expect({ restarted, said }).toEqual({ restarted: false, said: [] });
  });
});
