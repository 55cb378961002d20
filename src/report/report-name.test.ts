import { describe, expect, it } from 'vitest';
import { engineTitle, reportBaseName } from './report-name.js';

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
});
