// The command line as a user meets it: one clear sentence and exit 2 for what they can fix, nothing started.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadAllYaml } from '@kubernetes/client-node';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { EXPERIMENTS } from '../experiments/index.js';
import { ROOT } from '../src/paths.js';
import { NOT_HUNG_MS } from './not-hung.js';
import { removeTempDirs, tempDir } from './temp-dirs.js';

const CLI = join(ROOT, 'dist/src/cli.js');
const shmlab = (args: string[], env: Record<string, string> = {}) =>
  // A bound a loaded machine meets: it stops a hung process, it does not measure speed.
  execa('node', [CLI, ...args], { reject: false, env: { ...process.env, ...env }, timeout: 120_000 });

describe('shmlab command line', () => {
  it('lists the experiments', async () => {
    const r = await shmlab(['list']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^sysv-restart\s+A\s+System V/m);
  });

  it.each([
    [['run', '--bogus'], /^shmlab: Unknown option '--bogus'; see "shmlab --help"\.$/],
    [['run', '--only', 'nope'], /^shmlab: Unknown experiment nope; run "shmlab list" to see them/],
    [['run', '--concurrency', '0'], /^shmlab: Expected --concurrency to be a positive whole number, got "0"\.$/],
    [['frobnicate'], /^shmlab: Unknown command "frobnicate"/],
    [['matrix', '--engines', '/nonexistent/engines.json'], /^shmlab: Cannot read the engines file \/nonexistent\/engines\.json \(ENOENT\)\.$/],
    [['matrix', '--engine', 'podman'], /^shmlab: Expected --engine name=unix:\/\/\/path\/to\/engine\.sock, got "podman"\.$/],
    [['run', '--keep-engines'], /^shmlab: "shmlab run" takes no --keep-engines; see "shmlab --help"\.$/],
    [['compare', '/nonexistent.json'], /^shmlab: Cannot read the report \/nonexistent\.json \(ENOENT\)\.$/],
    [['engines', 'sideways'], /^shmlab: Expected "shmlab engines up" or "shmlab engines down"\.$/],
    [['run', '--report-dir', '/proc/shmlab-cannot'], /^shmlab: Cannot write reports to \/proc\/shmlab-cannot \(ENOENT\); choose another --report-dir\.$/],
    [['fleet'], /^shmlab: Expected a fleet command; the fleet commands are image, pod, clean, manifests, gather \(see "shmlab --help"\)\.$/],
    [['fleet', 'deploy'], /^shmlab: Unknown fleet command "deploy"; the fleet commands are image, pod, clean, manifests, gather \(see "shmlab --help"\)\.$/],
    [['fleet', 'manifests'], /^shmlab: Expected --image REF: the image the nodes pull \(the one "shmlab fleet image" wrote, as pushed to your registry\)\.$/],
    [['fleet', 'manifests', '--image', 'x', '--socket', 'cri'], /^shmlab: Expected --socket containerd or --socket docker, got "cri"\.$/],
    [['fleet', 'manifests', '--image', 'x', '--node', 'Node_1'], /^shmlab: Expected --node to name a Kubernetes node .+, got "Node_1"\.$/],
    [['fleet', 'manifests', '--image', ' '], /^shmlab: Expected --image to have a value, got an empty one\.$/],
    [['fleet', 'gather', '--image', 'x'], /^shmlab: "shmlab fleet gather" takes no --image; see "shmlab --help"\.$/],
    [['fleet', 'pod', 'now'], /^shmlab: Unexpected argument 'now'; see "shmlab --help"\.$/],
    [['fleet', 'manifests', '--image', 'x', '--clean'], /^shmlab: Expected --node NAME with --clean: the node whose leftovers the Job removes\.$/],
    [['fleet', 'clean', '--stay'], /^shmlab: "shmlab fleet clean" takes no --stay; see "shmlab --help"\.$/],
    [['fleet', 'image'], /^shmlab: Expected --out FILE: where "shmlab fleet image" writes the image archive\.$/],
    [['fleet', 'gather', '--kubeconfig', '/nonexistent/kubeconfig'], /^shmlab: Cannot read the kubeconfig \/nonexistent\/kubeconfig \(ENOENT\)\.$/],
  ])('rejects %j with one sentence and exit 2', async (args, message) => {
    const r = await shmlab(args);
    expect({ exitCode: r.exitCode, stderr: r.stderr }).toEqual({ exitCode: 2, stderr: expect.stringMatching(message) });
    expect(r.stderr.split('\n')).toHaveLength(1);
  });

  it('says which address it tried when DOCKER_HOST does not answer, well within its deadline, and exits 2', async () => {
    for (const address of ['unix:///tmp/shmlab-no-such.sock', 'tcp://127.0.0.1:9']) {
      const started = Date.now();
      const r = await shmlab(['run'], { DOCKER_HOST: address });
      expect(Date.now() - started).toBeLessThan(NOT_HUNG_MS);
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toBe(
        `shmlab: The engine at DOCKER_HOST=${address} does not answer (${address.startsWith('unix') ? 'no socket there' : 'nothing listens there'}): start it, or point DOCKER_HOST at one that runs.`,
      );
    }
  });

  it('lists the experiments as JSON with --json', async () => {
    const r = await shmlab(['list', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const list = JSON.parse(r.stdout) as { slug: string; section: string; title: string }[];
    expect(list.map((e) => e.slug)).toEqual(EXPERIMENTS.map((e) => e.slug));
    expect(Object.keys(list[0]!)).toEqual(['slug', 'section', 'title']);
  });

  it('compares JSON reports gathered elsewhere into one matrix', async () => {
    const dir = tempDir();
    const observations = join(ROOT, 'test/observations/docker-20.10.json');
    const r = await shmlab(['compare', observations, '--out', join(dir, 'matrix.md')]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe(`shmlab: compared 1 report(s): ${join(dir, 'matrix.md')}, each report's page and survival.svg beside it`);
    const md = readFileSync(join(dir, 'matrix.md'), 'utf8');
    const count = JSON.parse(readFileSync(observations, 'utf8')).experiments.length;
    expect(md).toContain(`**1 engine × ${count} experiments.**`);
    // Links go to the page written beside the matrix, named as the JSON file.
    expect(md).toContain('| [sysv-restart](docker-20.10.md#sysv-restart) | [✅](docker-20.10.md#sysv-restart) |');
    expect(readFileSync(join(dir, 'docker-20.10.md'), 'utf8')).toMatch(/^# /);
    // The survival picture beside it, shown by the matrix above its grid.
    expect(readFileSync(join(dir, 'survival.svg'), 'utf8')).toMatch(/^<svg /);
    expect(md.indexOf('](survival.svg)')).toBeLessThan(md.indexOf('| Experiment |'));
  });

  it('compare: columns in the matrix order whatever the arguments, the same report twice refused, JUnit on request', async () => {
    const dir = tempDir();
    const obs = (name: string) => join(ROOT, 'test/observations', `${name}.json`);
    const junit = join(dir, 'compare.xml');
    const r = await shmlab(['compare', obs('containerd-1.6'), obs('docker-20.10'), '--out', join(dir, 'matrix.md'), '--junit', junit]);
    expect(r.exitCode, r.stderr).toBe(0);
    const head = readFileSync(join(dir, 'matrix.md'), 'utf8')
      .split('\n')
      .find((l) => l.startsWith('| Experiment'))!;
    expect(head.indexOf('docker-20.10.md')).toBeLessThan(head.indexOf('containerd-1.6.md'));
    expect(readFileSync(junit, 'utf8')).toContain('<testsuite');
    const twice = await shmlab(['compare', obs('docker-20.10'), obs('docker-20.10')]);
    expect({ code: twice.exitCode, err: twice.stderr }).toEqual({
      code: 2,
      err: `shmlab: ${obs('docker-20.10')} is given twice; name each report once.\n`.trimEnd(),
    });
    const copy = join(dir, 'copy.json');
    writeFileSync(copy, readFileSync(obs('docker-20.10')));
    const same = await shmlab(['compare', obs('docker-20.10'), copy, '--out', join(dir, 'm2.md')]);
    expect(same.exitCode).toBe(2);
    expect(same.stderr).toMatch(/are the same run \(.+\); name each run once\.$/);
  });

  it('refuses a JSON file that is not a shmlab report', async () => {
    const r = await shmlab(['compare', join(ROOT, 'package.json')]);
    expect({ exitCode: r.exitCode, stderr: r.stderr }).toEqual({
      exitCode: 2,
      stderr: `shmlab: ${join(ROOT, 'package.json')} is not a shmlab report: /format is missing.`,
    });
  });

  it('prints its version', async () => {
    const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
    for (const flag of ['--version', '-V']) {
      const r = await shmlab([flag]);
      expect({ code: r.exitCode, out: r.stdout }).toEqual({ code: 0, out: `shmlab ${version}` });
    }
  });

  it('prints help', async () => {
    const r = await shmlab(['--help']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('shmlab run [--only slug,...]');
    expect(r.stdout).toContain('shmlab fleet manifests --image REF [--runtime-class NAME] [--node NAME [--clean]]');
    expect(r.stdout).toContain('Environment: DOCKER_HOST');
  });

  it('prints one command help with COMMAND --help: its usage, the environment and the exit codes', async () => {
    const run = (await shmlab(['run', '--help'])).stdout;
    expect(run).toMatch(/^Usage:\n {2}shmlab run \[--only slug,\.\.\.\]/);
    expect(run).toContain('--no-host-changes');
    expect(run).not.toContain('shmlab matrix [');
    expect(run).toContain('SHMLAB_RUNTIME_DIR');
    expect(run).toContain('Exit codes:');
    const gather = (await shmlab(['fleet', 'gather', '--help'])).stdout;
    expect(gather).toContain('shmlab fleet gather [--namespace NS]');
    expect(gather).not.toContain('shmlab fleet manifests');
    const fleet = (await shmlab(['fleet', '--help'])).stdout;
    for (const sub of ['image', 'pod', 'clean', 'manifests', 'gather']) expect(fleet).toContain(`shmlab fleet ${sub}`);
    expect(fleet).not.toContain('shmlab run [');
  });

  it('prints the fleet manifests as YAML that kubectl can apply', async () => {
    const r = await shmlab(['fleet', 'manifests', '--image', 'registry.example/shmlab:0.1.0', '--runtime-class', 'gvisor']);
    expect({ code: r.exitCode, err: r.stderr }).toEqual({ code: 0, err: '' });
    const objects = loadAllYaml(r.stdout);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Namespace/shmlab', 'DaemonSet/shmlab']);
    expect(objects[1].spec.template.spec).toMatchObject({ hostIPC: true, runtimeClassName: 'gvisor' });
    const job = loadAllYaml((await shmlab(['fleet', 'manifests', '--image', 'x', '--node', 'worker-1'])).stdout)[1];
    expect([job.kind, job.spec.template.spec.nodeName]).toEqual(['Job', 'worker-1']);
  });
});

afterAll(removeTempDirs);
