// Before any test: an engine to test against, set up visibly when none is configured or running.
import { ensureEngine } from '../src/engine/engine-connection.js';

export default async function setup(): Promise<void> {
  await ensureEngine((line) => console.log(`shmlab: ${line}`));
}
