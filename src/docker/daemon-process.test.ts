import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startDaemon } from './daemon-process.js';

describe('startDaemon', () => {
  const homes: string[] = [];
  afterEach(() => {
    for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true });
  });

  it('names the engine program and quotes the last line its log holds when it exits before answering', async () => {
    const home = mkdtempSync(join(tmpdir(), 'shmlab-daemon-'));
    homes.push(home);
    const command = ['sh', '-c', 'echo starting; echo \'Error: default OCI runtime "runc" not found\' >&2; exit 125'];
    const start = startDaemon({ home, kind: 'service', program: 'podman', command }, () => {}, 20_000);
    await expect(start).rejects.toThrow(
      `podman exited before it answered at unix://${home}/engine.sock, saying: Error: default OCI runtime "runc" not found (${home}/engine.log).`,
    );
  });
});
