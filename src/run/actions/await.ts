// `await`: readiness, not an observation: wait until the program has printed its marker once per start, or the
// container has exited.
import type { Action, StepOf } from './action.js';

const AWAIT_LIMIT_MS = 15_000;
const AWAIT_POLL_MS = 20;

export const awaitMarker: Action<StepOf<'await'>> = {
  placeholder: (step) => `(wait until ${step.container} prints "${step.marker}" or exits)`,
  async perform({ step, state: s }) {
    const { container, marker } = step;
    const id = s.id(container);
    const wanted = s.starts.get(container) ?? 1;
    const deadline = Date.now() + AWAIT_LIMIT_MS;
    for (;;) {
      // The step was abandoned at the signal (untilAborted): no more asking.
      if (s.ctx.signal?.aborted) throw new Error(`stopped waiting for ${container}'s marker at the signal`);
      const view = await s.ctx.driver.inspect(id);
      const logs = await s.ctx.driver.logs(id);
      const seen = `${logs.stdout}${logs.stderr}`.split(marker).length - 1;
      const running = view.state === 'running';
      if (!running || seen >= wanted) {
        return { exitCode: running ? null : view.exitCode, stdout: logs.stdout, stderr: logs.stderr, state: view.state };
      }
      if (Date.now() > deadline) throw new Error(`container ${container} neither printed "${marker}" nor exited within ${AWAIT_LIMIT_MS / 1000} s`);
      await new Promise((r) => setTimeout(r, AWAIT_POLL_MS));
    }
  },
};
