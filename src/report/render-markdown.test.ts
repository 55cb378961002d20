import { describe, expect, it } from 'vitest';
import { record, runResult } from '../../test/records.js';
import { sysvRestart } from '../../experiments/sysv-restart.js';
import type { ExperimentResult } from '../model/result.js';
import { renderMarkdown, transcript } from './render-markdown.js';
import { cell, fence } from './markdown-kit.js';
import { reportBaseName } from './report-name.js';

const result: ExperimentResult = {
  slug: 'sysv-restart',
  verdict: 'differs',
  observed: 'kept',
  differences: [{ step: 'read-after', means: 'the segment is gone', detail: 'exit code: expected 10, got 0' }],
  steps: [record('read-after', { command: 'docker exec app sysv-read --key 5678', why: 'still there?', stdout: 'a b c\n', durationMs: 1500 })],
  durationMs: 2500,
  grants: ['network: none'],
};

describe('renderMarkdown', () => {
  const md = renderMarkdown(runResult([result]), [sysvRestart]);

  it('opens with the engine and its environment', () => {
    expect(md.startsWith('# shmlab report: Docker 99.0\n')).toBe(true);
    expect(md).toContain('| Engine | Docker 99.0 (API 1.99) |');
    expect(md).toContain('| Storage driver | overlay2 |');
    expect(md).toContain('| Cgroup version | 2 |');
  });

  it('summarises each experiment with a link to its section', () => {
    expect(md).toContain('| [sysv-restart](#sysv-restart) |');
    expect(md).toContain('| kept | ❌ differs | 2.5 s |');
    expect(md).toContain('\n## sysv-restart\n');
  });

  it('says what differed and shows the transcript', () => {
    expect(md).toContain('- `read-after` (the segment is gone): exit code: expected 10, got 0');
    expect(md).toContain('$ docker exec app sysv-read --key 5678    # still there?\na b c\n[exit 0, 1.5 s]');
  });

  it('builds the survival table from the experiments that declare cells', () => {
    expect(md).toContain('| System V, private IPC (default) | [⚠️ changed (read "a b c")](#sysv-restart) |');
  });

  it('marks an incomplete run', () => {
    expect(renderMarkdown(runResult([], { incomplete: 'interrupted (SIGINT)' }), [])).toContain('**Incomplete run:** interrupted (SIGINT)');
  });
});

describe('markdown helpers', () => {
  it('escapes pipes and folds newlines in table cells', () => {
    expect(cell('a|b\nc')).toBe('a\\|b c');
  });
  it('fences text that itself contains backticks', () => {
    expect(fence('```x```')).toBe('````\n```x```\n````');
  });
  it('shows an engine refusal in the transcript', () => {
    expect(transcript([record('run', { command: 'docker run', engineFailed: true, refused: true, stderr: 'refused\n' })])).toBe('$ docker run\nrefused\n[engine refused, 5 ms]');
    expect(transcript([record('run', { command: 'docker run', engineFailed: true, stderr: 'context deadline exceeded\n' })])).toBe('$ docker run\ncontext deadline exceeded\n[engine failed, 5 ms]');
    expect(transcript([record('changes', { command: 'docker diff app', skipped: 'Kubernetes (CRI) has no diff operation' })])).toBe('$ docker diff app\n[skipped: Kubernetes (CRI) has no diff operation]');
  });
  it('names the report after the engine and version', () => {
    expect(reportBaseName({ kind: 'docker', serverVersion: '20.10.24+dfsg1' })).toBe('docker-20.10.24+dfsg1');
    expect(reportBaseName({ kind: 'podman', serverVersion: '4.3.1/x' })).toBe('podman-4.3.1_x');
  });
});
