import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../../test/temp-dirs.js';
import { ROOT } from '../paths.js';
import { parseEngineOption, readEnginesFile } from './engines-file.js';

const file = (text: string) => {
  const path = join(tempDir(), 'engines.json');
  writeFileSync(path, text);
  return path;
};

describe('engines file', () => {
  it("reads the project's engines, each with its runtime named: Docker 20.10 with runc, crun and gVisor 2022/2024, Docker 26.1, 28.5, Podman 4.3, Docker 20.10 and Podman 4.3 rootless, containerd 1.6, 2.1 with runc and 2.1 with crun 1.21 built from source", () => {
    const runc = { name: 'runc' };
    const gvisorArgs = ['--network=none'];
    expect(readEnginesFile(join(ROOT, 'engines.json'))).toEqual([
      { name: 'docker-20.10', kind: 'docker', from: 'bookworm', address: undefined, runtime: runc },
      { name: 'docker-20.10-crun', kind: 'docker', from: 'bookworm', address: undefined, runtime: { name: 'crun', from: 'bookworm' } },
      {
        name: 'docker-20.10-runsc',
        kind: 'docker',
        from: 'bookworm',
        address: undefined,
        runtime: { name: 'runsc', from: 'bookworm', args: gvisorArgs },
        gate: false,
      },
      {
        name: 'docker-20.10-runsc-2024',
        kind: 'docker',
        from: 'bookworm',
        address: undefined,
        runtime: { name: 'runsc', from: 'sid', args: gvisorArgs },
        gate: false,
      },
      { name: 'docker-26.1', kind: 'docker', from: 'trixie', address: undefined, runtime: runc },
      { name: 'docker-28.5', kind: 'docker', from: 'sid', address: undefined, runtime: runc },
      { name: 'docker-20.10-rootless', kind: 'docker', from: 'bookworm', address: undefined, runtime: runc, rootless: true },
      { name: 'podman-4.3', kind: 'podman', from: 'bookworm', address: undefined, runtime: runc },
      { name: 'podman-4.3-rootless', kind: 'podman', from: 'bookworm', address: undefined, runtime: runc, rootless: true },
      { name: 'containerd-1.6', kind: 'containerd', from: 'bookworm', address: undefined, runtime: runc },
      { name: 'containerd-2.1', kind: 'containerd', from: 'sid', address: undefined, runtime: runc },
      {
        name: 'containerd-2.1-crun',
        kind: 'containerd',
        from: 'sid',
        address: undefined,
        runtime: { name: 'crun', from: 'trixie', build: 'source' },
      },
    ]);
  });

  it.each([
    ['{', /is not valid JSON/],
    ['{}', /must have an "engines" list/],
    ['{"engines":[{"name":"x","kind":"lxc","from":"sid"}]}', /"kind" must be "docker", "podman" or "containerd", got "lxc"/],
    ['{"engines":[{"name":"x","kind":"docker"}]}', /give "from" \(a Debian suite\) or "address"/],
    [
      '{"engines":[{"name":"x","kind":"podman","from":"sid","runtime":{"name":"runsc"}}]}',
      /"runtime" must be an object whose "name" is "runc" or "crun" for podman, got \{"name":"runsc"\}/,
    ],
    ['{"engines":[{"name":"x","kind":"docker","from":"sid","runtime":{"name":"runsc","args":"--network=none"}}]}', /"runtime.args" must be a list of options/],
    [
      '{"engines":[{"name":"x","kind":"docker","from":"sid","runtime":{"name":"runc","from":"sid"}}]}',
      /"runtime.from", "runtime.args" and "runtime.build" apply to crun or runsc under Docker or containerd only/,
    ],
    [
      '{"engines":[{"name":"x","kind":"containerd","from":"sid","runtime":{"name":"crun","args":["--debug"]}}]}',
      /"runtime.args" applies to a Docker engine's runtime only/,
    ],
    [
      '{"engines":[{"name":"x","kind":"docker","from":"sid","runtime":{"name":"runsc","from":"sid","build":"source"}}]}',
      /"runtime.build" can only be "source", for crun/,
    ],
    ['{"engines":[{"name":"x","kind":"containerd","from":"sid","runtime":{"name":"crun","build":"source"}}]}', /with "from" naming the suite/],
    [
      '{"engines":[{"name":"a","kind":"docker","from":"sid"},{"name":"b","kind":"docker","from":"sid"}]}',
      /a and b name the same engine and runtime \(or the same name\); their reports would overwrite each other\./,
    ],
    [
      '{"engines":[{"name":"a","kind":"docker","from":"sid"},{"name":"a","kind":"podman","from":"sid"}]}',
      /a and a name the same engine and runtime \(or the same name\)/,
    ],
    ['{"engines":[{"name":"x","kind":"podman","from":"bookworm","rootless":"yes"}]}', /"rootless" can only be true/],
    ['{"engines":[{"name":"x","kind":"docker","from":"sid","rootless":true}]}', /"rootless" applies to a Podman, or a Docker from bookworm/],
  ])('rejects %s with one sentence', (text, message) => {
    expect(() => readEnginesFile(file(text))).toThrow(message);
  });

  const refusal = (text: string) => {
    const path = file(text);
    try {
      readEnginesFile(path);
    } catch (err) {
      return (err as Error).message.replace(path, 'engines.json');
    }
    throw new Error(`accepted ${text}`);
  };

  it.each([
    [
      '{"engines":[{"name":"x","kind":"docker","from":"sid","gates":false}]}',
      'engines.json, engine 1 (x): "gates" is not a field of an engine entry (its fields: name, kind, from, address, runtime, gate, rootless).',
    ],
    // Misspelt, "from" is also missing: the unknown field is what to fix.
    [
      '{"engines":[{"name":"x","kind":"docker","form":"sid"}]}',
      'engines.json, engine 1 (x): "form" is not a field of an engine entry (its fields: name, kind, from, address, runtime, gate, rootless).',
    ],
    [
      '{"engines":[{"name":"x","kind":"docker","from":"sid","runtime":{"name":"runsc","arg":["--debug"]}}]}',
      'engines.json, engine 1 (x): "runtime.arg" is not a field of a runtime (its fields: name, from, args, build).',
    ],
    ['{"engine":[]}', 'The engines file engines.json: "engine" is not a field of the engines file (its fields: $schema, about, engines).'],
  ])('refuses a field it does not know: %s', (text, message) => {
    expect(refusal(text)).toBe(message);
  });

  it.each([
    ['{"engines":[{"name":"x","kind":"Docker","from":"sid"}]}', 'engines.json, engine 1 (x): "kind" must be "docker", "podman" or "containerd", got "Docker".'],
    ['{"engines":[{"name":"x","kind":7,"from":"sid"}]}', 'engines.json, engine 1 (x): "kind" must be "docker", "podman" or "containerd", got 7.'],
    ['{"engines":[{"name":"x","from":"sid"}]}', 'engines.json, engine 1 (x): "kind" is missing.'],
  ])('refuses a wrong or missing kind: %s', (text, message) => {
    expect(refusal(text)).toBe(message);
  });

  // The second entry is wrong, each time in another way (by the schema or by shmlab's own checks): the sentence names it.
  it.each([
    ['"kind":"lxc","from":"sid"', '"kind" must be'],
    ['"kind":"docker","from":"Sid"', '"from" must name a Debian suite such as bookworm, got "Sid".'],
    ['"kind":"docker","address":"/run/docker.sock"', '"address" must be an address such as unix:///run/docker.sock'],
    ['"kind":"docker"', 'give "from"'],
    ['"kind":"docker","from":"sid","gate":"no"', '"gate" must be true or false, got "no".'],
    ['"kind":"docker","from":"sid","runtime":"runsc"', '"runtime" must be an object whose "name" is "runc", "crun" or "runsc", got "runsc".'],
    ['"kind":"docker","from":"sid","runtime":{"name":"youki"}', '"runtime.name" must be "runc", "crun" or "runsc", got "youki".'],
    ['"kind":"docker","from":"sid","runtime":{"name":"runsc","args":["--network=none","debug"]}', '"runtime.args[1]" must be an option such as'],
    ['"kind":"docker","from":"sid","runtime":{"name":"crun","build":"binary"}', '"runtime.build" can only be "source"'],
    ['"kind":"podman","from":"sid","runtime":{"name":"runsc"}', '"runtime" must be an object whose "name" is "runc" or "crun" for podman'],
    ['"kind":"containerd","from":"sid","rootless":true', '"rootless" applies to a Podman'],
  ])('names the entry, by place and name, in its sentence: {%s}', (fields, clause) => {
    const message = refusal(`{"engines":[{"name":"a","kind":"docker","from":"sid"},{"name":"b",${fields}}]}`);
    expect(message.startsWith('engines.json, engine 2 (b): ')).toBe(true);
    expect(message).toContain(clause);
  });

  it('names an entry by place alone when its name is what is wrong', () => {
    expect(refusal('{"engines":[{"name":"Docker","kind":"docker","from":"sid"}]}')).toBe(
      'engines.json, engine 1: "name" must be a short lower-case name such as docker-26.1, got "Docker".',
    );
    expect(refusal('{"engines":[7]}')).toBe('engines.json, engine 1: expected an object with "name" and "kind", got 7.');
  });

  it('takes "$schema" (for editors) and "about", and describes itself as draft-07', () => {
    const text = '{"$schema":"./schema/engines-v1.schema.json","about":"mine","engines":[{"name":"a","kind":"docker","from":"sid"}]}';
    const entries = readEnginesFile(file(text));
    expect(entries.map((e) => e.name)).toEqual(['a']);
    const schema = JSON.parse(readFileSync(join(ROOT, 'schema', 'engines-v1.schema.json'), 'utf8'));
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
  });

  it('tells a rootless Podman from the same Podman run as root: two engines, two reports', () => {
    const entries = readEnginesFile(
      file('{"engines":[{"name":"p","kind":"podman","from":"bookworm"},{"name":"p-rootless","kind":"podman","from":"bookworm","rootless":true}]}'),
    );
    expect(entries.map((e) => e.rootless)).toEqual([undefined, true]);
  });

  it('takes --engine name=unix:///path', () => {
    expect(parseEngineOption('podman-5=unix:///run/podman/podman.sock')).toEqual({
      name: 'podman-5',
      kind: 'podman',
      address: 'unix:///run/podman/podman.sock',
    });
    expect(() => parseEngineOption('docker')).toThrow('Expected --engine name=unix:///path/to/engine.sock, got "docker".');
    // The engines file's rule for names (its schema's).
    expect(() => parseEngineOption('Docker=unix:///run/docker.sock')).toThrow('Expected --engine name=unix:///path/to/engine.sock');
  });
});

afterAll(removeTempDirs);
