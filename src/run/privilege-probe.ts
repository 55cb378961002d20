// Finds out whether this engine's host can start a --privileged container, from the engine's own answer.
import { engineWords, type EngineDriver } from '../engine/engine-driver.js';
import type { PrivilegeMode } from '../model/result.js';

// What runc says when the host's capability bounding set is narrower than --privileged asks for.
const CANNOT_APPLY_CAPS = /apply caps|operation not permitted/i;

export async function probePrivilege(driver: EngineDriver, image: string, name: string, labels: Record<string, string>): Promise<PrivilegeMode> {
  let id: string | undefined;
  try {
    await driver.run({ name, image, labels, hostConfig: { Privileged: true } }, (created) => (id = created));
    return { mode: 'privileged' };
  } catch (err) {
    const words = engineWords(err);
    if (!CANNOT_APPLY_CAPS.test(words)) throw new Error(`probing --privileged failed: ${words}`);
    return {
      mode: 'equivalent',
      reason: `this host cannot start a --privileged container (the engine said: "${words}"), so the privileged experiments use the nearest equivalent: CAP_SYS_ADMIN and no read-only or masked paths (--cap-add SYS_ADMIN --security-opt systempaths=unconfined)`,
    };
  } finally {
    if (id) await driver.remove(id);
  }
}
