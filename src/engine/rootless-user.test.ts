import { describe, expect, it } from 'vitest';
import { rangeOf } from './rootless-user.js';

describe("a rootless user's subordinate ids", () => {
  const text = 'alice:100000:65536\nshmlab-rootless:165536:65536\n1001:231072:65536\n';
  it('are read from its line, by name or by uid', () => {
    expect(rangeOf('/etc/subuid', 'shmlab-rootless', 1000, text)).toBe('165536:65536');
    expect(rangeOf('/etc/subuid', 'bob', 1001, text)).toBe('231072:65536');
  });
  it('are none where it has no line', () => {
    expect(rangeOf('/etc/subuid', 'carol', 1002, text)).toBeUndefined();
  });
});

describe("ending a rootless engine's processes", () => {
  it("refuses the host's own user namespace, which holds every process of the host", async () => {
    const { endNamespaceProcesses, usernsOf } = await import('./rootless-user.js');
    const host = usernsOf(process.pid)!;
    await expect(endNamespaceProcesses(host)).rejects.toThrow(/is the host's user namespace/);
  });
});
