import { describe, expect, it } from 'vitest';
import { catalogOf, EXPERIMENTS } from '../../experiments/index.js';
import { sysvRestart } from '../../experiments/sysv-restart.js';
import { record, runResult } from '../../test/records.js';
import type { ExperimentResult, RunResult } from '../model/result.js';
import { cell, details, fence, nowrap } from './markdown-kit.js';
import { renderMarkdown, transcript } from './render-markdown.js';
import { reportBaseName } from './report-name.js';

const NBSP = '\u00a0';

const result: ExperimentResult = {
  slug: 'sysv-restart',
  verdict: 'differs',
  observed: 'kept',
  differences: [{ step: 'read-after', means: 'the segment is gone', detail: 'exit code: expected 10, got 0' }],
  steps: [record('read-after', { command: 'docker exec app sysv-read --key 5678', why: 'still there?', stdout: 'a b c\n', durationMs: 1500 })],
  durationMs: 2500,
  grants: ['network: none'],
  instead: 'The runtime keeps System V IPC in its own kernel, which outlives the stop.',
};

/** The text of one `## ` section of a report, up to the next. */
function sectionOf(md: string, slug: string): string {
  const start = md.indexOf(`\n## ${slug}\n`);
  const end = md.indexOf('\n## ', start + 1);
  return md.slice(start, end < 0 ? undefined : end);
}

describe('renderMarkdown', () => {
  const md = renderMarkdown(runResult([result]), catalogOf([sysvRestart]));

  it('opens with the engine and its environment', () => {
    expect(md.startsWith('# shmlab report: Docker 99.0\n')).toBe(true);
    expect(md).toContain('| Engine | Docker 99.0 (API 1.99) |');
    expect(md).toContain('| Storage driver | overlay2 |');
    expect(md).toContain('| Cgroup version | 2 |');
  });

  it('keeps the headline counts', () => {
    expect(md).toContain('**1 experiment: 0 as expected, 1 differ, 0 errors** (1.2 s, run test).');
  });

  it('summarises each experiment in short cells, the verdict first, linked to its section', () => {
    expect(md).toContain('| Verdict | Experiment | Observed | Time |');
    expect(md).toContain(`| ❌${NBSP}differs | [sysv-restart](#sysv-restart) | kept | 2.5${NBSP}s |`);
    expect(md).toContain('\n## sysv-restart\n');
    // The wordy texts are no longer columns of the summary, but stand in the section.
    const summary = md.slice(md.indexOf('## Summary'), md.indexOf('\n## ', md.indexOf('## Summary') + 1));
    expect(summary).not.toContain(sysvRestart.blogSaw);
    expect(summary).not.toContain(sysvRestart.expectedToday);
    const section = sectionOf(md, 'sysv-restart');
    expect(section).toContain(`**Blog saw:** ${sysvRestart.blogSaw}`);
    expect(section).toContain(`**Expected today:** ${sysvRestart.expectedToday}`);
    expect(section).toContain('**Granted:** network: none');
  });

  it('says what differed, and collapses the transcript in <details>', () => {
    expect(md).toContain('- `read-after` (the segment is gone): exit code: expected 10, got 0');
    expect(md).toContain(
      '<details><summary>Transcript (each API call as the CLI command that asks the same)</summary>\n\n```console\n$ docker exec app sysv-read --key 5678    # still there?\na b c\n[exit 0, 1.5 s]\n```\n\n</details>',
    );
    expect(md).not.toContain('**Transcript**');
  });

  it('shows what the engine did instead, and labels the common explanation as what the expectation rests on', () => {
    const section = sectionOf(md, 'sysv-restart');
    expect(section).toContain('**What this engine did instead.** The runtime keeps System V IPC in its own kernel, which outlives the stop.');
    expect(section).toContain(`**Why this was expected.** ${sysvRestart.explanation}`);
    expect(section).not.toContain('**Why.**');
    expect(section.indexOf('What this engine did instead')).toBeLessThan(section.indexOf('Why this was expected'));
  });

  it('says so when a difference has no explanation yet', () => {
    const bare = renderMarkdown(runResult([{ ...result, instead: undefined }]), catalogOf([sysvRestart]));
    expect(bare).toContain('**What this engine did instead.** Not explained yet');
    expect(bare).toContain('**Why this was expected.**');
  });

  it('gives the common explanation as the reason when the engine did as expected', () => {
    const fine = renderMarkdown(runResult([{ ...result, verdict: 'as expected', differences: [], instead: undefined }]), catalogOf([sysvRestart]));
    expect(fine).toContain(`**Why.** ${sysvRestart.explanation}`);
    expect(fine).not.toContain('What this engine did instead');
    expect(fine).not.toContain('Why this was expected');
  });

  it("puts an engine's own expectation first and the common explanation for comparison", () => {
    const cri = runResult([{ ...result, verdict: 'as expected', differences: [], instead: undefined, engineNote: 'The pod holds the IPC namespace.' }], {
      environment: { ...runResult([]).environment, kind: 'cri', runtimeName: 'containerd', serverVersion: '2.1' },
    });
    const out = renderMarkdown(cri, catalogOf([sysvRestart]));
    expect(out).toContain('**Expected on this engine, and why.** The pod holds the IPC namespace.');
    expect(out).toContain(`**On Docker and Podman, for comparison.** ${sysvRestart.explanation}`);
    expect(out).not.toContain('**Why.**');
  });

  it('says once why an experiment does not apply', () => {
    const na = renderMarkdown(
      runResult([
        { ...result, verdict: 'not applicable', observed: 'it needs pods', differences: [], steps: [], instead: undefined, engineNote: 'it needs pods' },
      ]),
      catalogOf([sysvRestart]),
    );
    expect(na).toContain(`| ➖${NBSP}not${NBSP}applicable | [sysv-restart](#sysv-restart) | it needs pods |`);
    expect(na).toContain('➖ not applicable on this engine.');
    expect(na).toContain('**Why.** It needs pods.');
    expect(na).not.toContain('<details>');
  });

  it('builds the survival table from the experiments that declare cells', () => {
    expect(md).toContain('## What survives what');
    // Words, never a verdict's sign: a loss may be exactly what is expected.
    expect(md).toContain("| System V, the container's own IPC namespace (default) | [not run](#sysv-restart) |");
    // A cell reads its data's write too: no write recorded, nothing to keep or lose.
  });

  it("states, in a CRI report only, what shmlab does in the kubelet's place", () => {
    const cri = runResult([], { environment: { ...runResult([]).environment, kind: 'cri', runtimeName: 'containerd', serverVersion: '2.1.9' } });
    expect(renderMarkdown(cri, catalogOf([]))).toContain("## What shmlab does in the kubelet's place");
    expect(md).not.toContain("kubelet's place");
  });

  it('tells the internals of the engine and runtime that ran, and none where their source was not read', () => {
    const experiment = EXPERIMENTS.find((e) => e.slug === 'sysctl-flag')!;
    const at = (environment: Partial<RunResult['environment']>) =>
      renderMarkdown(
        runResult([{ ...result, slug: 'sysctl-flag' }], { environment: { ...runResult([]).environment, ...environment } }),
        catalogOf([experiment]),
      );
    const crun = at({ serverVersion: '20.10.24+dfsg1', ociRuntime: { name: 'crun', version: '1.8.1' } });
    expect(crun).toContain('crun checks each sysctl');
    expect(crun).not.toContain('runc checks');
    expect(at({ kind: 'podman', serverVersion: '4.3.1', ociRuntime: { name: 'runc' } })).toContain('Podman refuses a sysctl of no namespace itself');
    // An engine whose source was not read (and gVisor's runtime): no text of another's.
    const unknown = at({ serverVersion: '99.0', ociRuntime: { name: 'runsc' } });
    expect(unknown).not.toMatch(/runc checks|crun checks|moby|What this engine and its runtime do/);
  });

  it('marks an incomplete run', () => {
    expect(renderMarkdown(runResult([], { incomplete: 'interrupted (SIGINT)' }), catalogOf([]))).toContain('**Incomplete run:** interrupted (SIGINT)');
  });
});

describe('the environment of a report', () => {
  const base = runResult([]).environment;

  it("names the OCI runtime with its version and arguments, else the engine's word for it", () => {
    expect(renderMarkdown(runResult([]), catalogOf([]))).toContain('| Runtime | runc 1.0 |');
    const gvisor = runResult([], { environment: { ...base, runtime: 'runsc', ociRuntime: { name: 'runsc', version: '20221219', args: ['--network=none'] } } });
    expect(renderMarkdown(gvisor, catalogOf([]))).toContain('| Runtime | runsc 20221219 (arguments: `--network=none`) |');
    const plain = runResult([], { environment: { ...base, ociRuntime: { name: 'crun' } } });
    expect(renderMarkdown(plain, catalogOf([]))).toContain('| Runtime | crun |');
  });

  it("shows the kernel the containers see only when known, and says when it is not the host's", () => {
    expect(renderMarkdown(runResult([]), catalogOf([]))).not.toContain('Kernel seen by containers');
    const own = renderMarkdown(runResult([], { environment: { ...base, containerKernel: '4.4.0' } }), catalogOf([]));
    expect(own).toContain("| Kernel seen by containers | 4.4.0: **not the host's** (6.0); the runtime gives its containers a kernel of its own |");
    const same = renderMarkdown(runResult([], { environment: { ...base, containerKernel: '6.0' } }), catalogOf([]));
    expect(same).toContain("| Kernel seen by containers | 6.0 (the host's) |");
  });

  it("lists the host's workarounds", () => {
    expect(renderMarkdown(runResult([]), catalogOf([]))).not.toContain('Host workarounds');
    const one = renderMarkdown(runResult([], { environment: { ...base, workarounds: ['gVisor runs with `--network=none`'] } }), catalogOf([]));
    expect(one).toContain('| Host workarounds | gVisor runs with `--network=none` |');
    const two = renderMarkdown(runResult([], { environment: { ...base, workarounds: ['first | one', 'second'] } }), catalogOf([]));
    expect(two).toContain('| Host workarounds | • first \\| one<br>• second |');
  });
});

describe('markdown helpers', () => {
  it('escapes pipes and folds newlines in table cells', () => {
    expect(cell('a|b\nc')).toBe('a\\|b c');
  });
  it('fences text that itself contains backticks', () => {
    expect(fence('```x```')).toBe('````\n```x```\n````');
  });
  it('collapses a block the way GitHub reads it: blank lines around the markdown inside', () => {
    expect(details('Transcript', '```\nx\n```')).toBe('<details><summary>Transcript</summary>\n\n```\nx\n```\n\n</details>');
  });
  it('keeps a short text on one line in a table', () => {
    expect(nowrap('11.3 s')).toBe(`11.3${NBSP}s`);
  });
  it('shows an engine refusal in the transcript', () => {
    expect(transcript([record('run', { command: 'docker run', engineFailed: true, refused: true, stderr: 'refused\n' })])).toBe(
      '$ docker run\nrefused\n[engine refused, 5 ms]',
    );
    expect(transcript([record('run', { command: 'docker run', engineFailed: true, stderr: 'context deadline exceeded\n' })])).toBe(
      '$ docker run\ncontext deadline exceeded\n[engine failed, 5 ms]',
    );
    expect(transcript([record('changes', { command: 'docker diff app', skipped: 'Kubernetes (CRI) has no diff operation' })])).toBe(
      '# changes: not taken here: Kubernetes (CRI) has no diff operation',
    );
  });
  it('names the one exec that ran several steps once, above the first of them, and each step by its own command', () => {
    const one = 'docker exec app run-steps a ; b';
    const steps = [
      record('a', { sharedExec: one, stdout: 'x\n' }),
      record('b', { sharedExec: one, exitCode: 10 }),
      record('stop', { action: 'stop', command: 'docker stop app' }),
      record('a2', { command: 'docker exec app a', sharedExec: one }),
    ];
    expect(transcript(steps)).toBe(
      [
        '# a, b: one exec, each program its own process in turn (run-steps):',
        `#   ${one}`,
        '$ docker exec app a\nx\n[exit 0, 5 ms]',
        '$ docker exec app b\n[exit 10, 5 ms]',
        '$ docker stop app\n[exit 0, 5 ms]',
        '# a2: one exec, each program its own process in turn (run-steps):',
        `#   ${one}`,
        '$ docker exec app a\n[exit 0, 5 ms]',
      ].join('\n'),
    );
  });
  it('says once why a run of steps was not taken for one reason, and again where the reason changes', () => {
    const skipped = (id: string, why: string) => record(id, { command: `docker exec app ${id}`, skipped: why });
    expect(transcript([skipped('write', 'no container'), skipped('read', 'no container'), skipped('diff', 'no diff'), skipped('stop', 'no container')])).toBe(
      '# write, read: not taken here: no container\n# diff: not taken here: no diff\n# stop: not taken here: no container',
    );
  });
  it('names the report after the engine and version', () => {
    expect(reportBaseName({ kind: 'docker', serverVersion: '20.10.24+dfsg1' })).toBe('docker-20.10.24+dfsg1');
    expect(reportBaseName({ kind: 'podman', serverVersion: '4.3.1/x' })).toBe('podman-4.3.1_x');
  });
});
