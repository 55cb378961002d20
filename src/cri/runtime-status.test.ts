// What is read of containerd's Status(verbose) `info` as 1.6 and 2.1 give it (samples taken from shmlab's own daemons
// on Debian 12); anything else gives nothing rather than a guess.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../paths.js';
import { userNamespaceSupport } from './cri-describe.js';
import { parseRuntimeStatus } from './runtime-status.js';

// Status(verbose).info of containerd 1.6.20 (config version 2: one CRI plugin, `sandboxImage`, a plugin-wide
// `systemdCgroup`) and 2.1.9 (version 3: the runtime plugin's config; its images, the sandbox image among the pinned ones,
// are not in `config`, and not in Status at all), as each gave it; JSON values are stored parsed, and sent as text.
const sample = (file: string): Record<string, string> => {
  const info = JSON.parse(readFileSync(join(ROOT, 'src', 'cri', 'status-samples', file), 'utf8')) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(info).map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)]));
};
const CONTAINERD_1_6 = sample('containerd-1.6.json');
const CONTAINERD_2_1 = sample('containerd-2.1.json');

describe('parseRuntimeStatus', () => {
  it.each([
    [
      'containerd 1.6',
      CONTAINERD_1_6,
      {
        sandboxImage: 'localhost/shmlab/pause:1',
        snapshotter: 'overlayfs',
        defaultRuntimeName: 'runc',
        runtimes: { runc: { type: 'io.containerd.runc.v2', binaryName: '/usr/sbin/runc', systemdCgroup: false } },
        systemdCgroup: false,
        restrictOOMScoreAdj: true,
      },
    ],
    [
      'containerd 2.1',
      CONTAINERD_2_1,
      {
        defaultRuntimeName: 'runc',
        runtimes: { runc: { type: 'io.containerd.runc.v2', binaryName: '/usr/sbin/runc', systemdCgroup: false } },
        restrictOOMScoreAdj: true,
      },
    ],
    [
      'a 2.x that names its pinned sandbox image and snapshotter in `images`',
      {
        ...CONTAINERD_2_1,
        images: JSON.stringify({ snapshotter: 'overlayfs', pinnedImages: { sandbox: 'registry.k8s.io/pause:3.10' } }),
      },
      {
        sandboxImage: 'registry.k8s.io/pause:3.10',
        snapshotter: 'overlayfs',
        defaultRuntimeName: 'runc',
        runtimes: { runc: { type: 'io.containerd.runc.v2', binaryName: '/usr/sbin/runc', systemdCgroup: false } },
        restrictOOMScoreAdj: true,
      },
    ],
  ])('%s', (_, info, expected) => {
    expect(parseRuntimeStatus(info)).toEqual(expected);
  });

  it('reads a systemd handler, and a handler without options', () => {
    const config = JSON.stringify({
      containerd: {
        defaultRuntimeName: 'crun',
        runtimes: {
          crun: { runtimeType: 'io.containerd.runc.v2', options: { BinaryName: '/usr/bin/crun', SystemdCgroup: true } },
          kata: { runtimeType: 'io.containerd.kata.v2', options: null },
        },
      },
    });
    expect(parseRuntimeStatus({ config }).runtimes).toEqual({
      crun: { type: 'io.containerd.runc.v2', binaryName: '/usr/bin/crun', systemdCgroup: true },
      kata: { type: 'io.containerd.kata.v2' },
    });
  });

  it.each([
    ['no Status answer', undefined],
    ['no config', {}],
    ['not JSON', { config: 'version = 2' }],
    ['JSON that is not an object', { config: 'null', images: '3' }],
  ])('gives nothing for %s', (_, info) => {
    expect(parseRuntimeStatus(info)).toEqual({});
  });
});

describe("the kubelet's user-namespace check, from the runtime's Status", () => {
  const handler = (name: string, userNamespaces: boolean) => ({ name, features: { recursive_read_only_mounts: true, user_namespaces: userNamespaces } });

  it('lets a pod with hostUsers: false through where the default handler says user_namespaces: true', () => {
    expect(userNamespaceSupport([handler('', true), handler('runc', true)], '')).toEqual({
      said: 'supported (the runtime\'s Status says user_namespaces: true for handler "")',
    });
  });

  it("refuses it in the kubelet's words where the handler says false (containerd 2.1 with runc 1.1.5)", () => {
    expect(userNamespaceSupport([handler('', false)], '').whyNot).toMatch(
      /^a kubelet \(Kubernetes 1\.30\+\) does not create a pod with hostUsers: false on this node \(`RuntimeClass handler "" does not support user namespaces`\), since the runtime's Status says user_namespaces: false for handler ""/,
    );
  });

  it("refuses it where the Status lists no handlers at all (containerd 1.6), or not the pod's", () => {
    expect(userNamespaceSupport([], '').whyNot).toMatch(/\(`the handler "" is not known`\), since the runtime's Status lists no runtime handlers/);
    expect(userNamespaceSupport([handler('kata', true)], '').whyNot).toMatch(/lists no handler ""/);
  });
});
