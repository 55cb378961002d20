import { describe, expect, it } from 'vitest';
import { columnTitle, engineTitle, reportBaseName } from './report-name.js';

const docker = { kind: 'docker' as const, serverVersion: '20.10.24+dfsg1' };

describe('report names', () => {
  it('name the runtime where it is not runc, so that runs of different runtimes never share a report', () => {
    const names = [
      reportBaseName({ ...docker, ociRuntime: { name: 'runc', version: '1.1.5+ds1' } }),
      reportBaseName({ ...docker, ociRuntime: { name: 'crun', version: '1.8.1' } }),
      reportBaseName({ ...docker, ociRuntime: { name: 'runsc', version: '20221219.0', args: ['--network=none'] } }),
      reportBaseName({ ...docker, ociRuntime: { name: 'runsc', version: '20240729.0' } }),
    ];
    expect(names).toEqual([
      'docker-20.10.24+dfsg1',
      'docker-20.10.24+dfsg1-crun-1.8.1',
      'docker-20.10.24+dfsg1-runsc-20221219.0',
      'docker-20.10.24+dfsg1-runsc-20240729.0',
    ]);
    expect(new Set(names).size).toBe(names.length);
  });

  it('title an engine with its runtime where it is not runc', () => {
    expect(engineTitle({ ...docker, ociRuntime: { name: 'runsc', version: '20221219.0' } })).toBe('Docker 20.10.24+dfsg1 with runsc 20221219.0');
    expect(engineTitle({ ...docker, ociRuntime: { name: 'runc' } })).toBe('Docker 20.10.24+dfsg1');
    expect(engineTitle({ kind: 'cri', runtimeName: 'containerd', serverVersion: '1.6.20~ds1' })).toBe('containerd 1.6.20~ds1 (Kubernetes CRI)');
  });

  it('name a rootless engine so, so that its report never overwrites the same engine run as root', () => {
    const podman = { kind: 'podman' as const, serverVersion: '4.3.1', ociRuntime: { name: 'runc', version: '1.1.5+ds1' } };
    expect(reportBaseName(podman)).toBe('podman-4.3.1');
    expect(reportBaseName({ ...podman, rootless: true })).toBe('podman-4.3.1-rootless');
    expect(engineTitle({ ...podman, rootless: true })).toBe('Podman 4.3.1 (rootless)');
    expect(columnTitle({ ...podman, rootless: true })).toBe('Podman 4.3.1 rootless');
  });
});
