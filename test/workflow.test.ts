// The GitHub Actions matrix cannot run here; what can be checked is that it parses, that its versions are the
// engines' of engines.json, and that its last job builds the comparison with `shmlab compare`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readEnginesFile } from '../src/matrix/engines-file.js';
import { ROOT } from '../src/paths.js';

const workflow = parse(readFileSync(join(ROOT, '.github/workflows/engine-matrix.yml'), 'utf8'));
const steps = (job: string): { uses?: string; run?: string; with?: Record<string, string> }[] => workflow.jobs[job].steps;

describe('engine-matrix workflow', () => {
  it('runs a job per Docker version: full releases, one for each Docker engine of engines.json', () => {
    const versions: string[] = workflow.jobs.docker.strategy.matrix.docker;
    expect(versions.every((v) => /^\d+\.\d+\.\d+$/.test(v))).toBe(true);
    const lines = readEnginesFile(join(ROOT, 'engines.json')).filter((e) => e.kind === 'docker').map((e) => e.name.replace('docker-', ''));
    expect(versions.map((v) => v.split('.').slice(0, 2).join('.'))).toEqual(lines);
    expect(steps('docker').find((s) => s.uses?.startsWith('docker/setup-docker-action@'))?.with?.version).toBe('v${{ matrix.docker }}');
  });

  it("runs Podman through its Docker API service", () => {
    expect(steps('podman').map((s) => s.run ?? '').join('\n')).toContain('podman system service --time=0 unix:///run/podman/podman.sock');
  });

  it('uploads only the reports its own run wrote, reads only the repository, and bounds every job in time', () => {
    expect(workflow.permissions).toEqual({ contents: 'read' });
    expect(workflow.concurrency?.['cancel-in-progress']).toBe(true);
    for (const job of ['docker', 'podman', 'compare']) expect(workflow.jobs[job]['timeout-minutes']).toBeGreaterThan(0);
    for (const job of ['docker', 'podman']) {
      expect(steps(job).find((s) => s.run?.includes('npm run lab'))?.run).toContain('--report-dir out');
      expect(steps(job).find((s) => s.uses?.startsWith('actions/upload-artifact@'))?.with?.path).toBe('out/*.json');
    }
  });

  it('uploads every report and compares them in a final job', () => {
    for (const job of ['docker', 'podman']) expect(steps(job).some((s) => s.uses?.startsWith('actions/upload-artifact@'))).toBe(true);
    expect(workflow.jobs.compare.needs).toEqual(['docker', 'podman']);
    expect(steps('compare').some((s) => s.run?.includes('node dist/src/cli.js compare gathered/*/*.json'))).toBe(true);
  });
});
