// Keeps shmlab's CRI subset wire-compatible: every name and number in it must be the real api.proto's (Debian's copy).

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSync, type PackageDefinition } from '@grpc/proto-loader';
import { describe, expect, it } from 'vitest';
import { debianPackage } from '../engine/debian-package.js';
import { API_PROTO } from './cri-client.js';

const REAL_IN_PACKAGE = 'usr/share/gocode/src/k8s.io/cri-api/pkg/apis/runtime/v1/api.proto';

interface Field {
  name: string;
  number: number;
  label: string;
  type: string;
  typeName: string;
}
interface EnumType {
  name: string;
  value: { name: string; number: number }[];
}
interface MessageType {
  name: string;
  field: Field[];
  nestedType: MessageType[];
  enumType: EnumType[];
}

const load = (file: string) => loadSync(file, { keepCase: true });

/** Everything in `ours` that the real definition lacks or numbers differently, one line each. */
function drift(ours: PackageDefinition, real: PackageDefinition): string[] {
  const out: string[] = [];
  for (const [name, def] of Object.entries(ours)) {
    const theirs = real[name];
    if (!theirs) {
      out.push(`${name}: absent from the real api.proto`);
      continue;
    }
    // Messages and enums carry a descriptor (`format`, `type`); services are maps of methods.
    const [d, t] = [def as { format?: unknown; type?: unknown }, theirs as { format?: unknown; type?: unknown }];
    if (typeof d.format === 'string') {
      if (d.format !== t.format) out.push(`${name}: ${d.format} here, ${String(t.format ?? 'a service')} there`);
      else if (d.format.includes('EnumDescriptorProto')) compareEnum(name, d.type as EnumType, t.type as EnumType, out);
      else compareMessage(name, d.type as MessageType, t.type as MessageType, out);
      continue;
    }
    // A service: each method of ours with the same path, message types and streaming.
    for (const [method, m] of Object.entries(def as Record<string, MethodLike>)) {
      const t = (theirs as Record<string, MethodLike>)[method];
      if (!t) out.push(`${name}.${method}: absent from the real api.proto`);
      else if (describeMethod(m) !== describeMethod(t)) out.push(`${name}.${method}: ${describeMethod(m)} here, ${describeMethod(t)} there`);
    }
  }
  return out;
}

interface MethodLike {
  path: string;
  requestStream: boolean;
  responseStream: boolean;
  requestType: { type: { name: string } };
  responseType: { type: { name: string } };
}
const describeMethod = (m: MethodLike) =>
  `${m.path}(${m.requestStream ? 'stream ' : ''}${m.requestType.type.name}) -> ${m.responseStream ? 'stream ' : ''}${m.responseType.type.name}`;

function compareMessage(path: string, ours: MessageType, real: MessageType, out: string[]): void {
  for (const f of ours.field) {
    const t = real.field.find((r) => r.name === f.name);
    if (!t) out.push(`${path}.${f.name}: absent from the real api.proto`);
    else if (f.number !== t.number) out.push(`${path}.${f.name}: number ${f.number} here, ${t.number} there`);
    else if (f.label !== t.label || f.type !== t.type || f.typeName !== t.typeName)
      out.push(`${path}.${f.name}: ${f.label} ${f.type} ${f.typeName} here, ${t.label} ${t.type} ${t.typeName} there`);
  }
  // Nested messages (map entries included) and nested enums.
  for (const n of ours.nestedType) {
    const t = real.nestedType.find((r) => r.name === n.name);
    if (!t) out.push(`${path}.${n.name}: absent from the real api.proto`);
    else compareMessage(`${path}.${n.name}`, n, t, out);
  }
  for (const e of ours.enumType) {
    const t = real.enumType.find((r) => r.name === e.name);
    if (!t) out.push(`${path}.${e.name}: absent from the real api.proto`);
    else compareEnum(`${path}.${e.name}`, e, t, out);
  }
}

function compareEnum(path: string, ours: EnumType, real: EnumType, out: string[]): void {
  for (const v of ours.value) {
    const t = real.value.find((r) => r.name === v.name);
    if (!t) out.push(`${path}.${v.name}: absent from the real api.proto`);
    else if (t.number !== v.number) out.push(`${path}.${v.name}: number ${v.number} here, ${t.number} there`);
  }
}

describe("shmlab's CRI api.proto", () => {
  let realFile = '';
  const real = async () => {
    if (!realFile) realFile = join(await debianPackage('sid', 'golang-k8s-cri-api-dev'), REAL_IN_PACKAGE);
    return load(realFile);
  };

  it("has the real api.proto's names and numbers for everything it declares", { timeout: 300_000 }, async () => {
    const ours = load(API_PROTO);
    expect(drift(ours, await real())).toEqual([]);
    // It declares what shmlab calls.
    expect(Object.keys(ours['runtime.v1.RuntimeService']!)).toEqual(expect.arrayContaining(['Version', 'RunPodSandbox', 'ExecSync', 'Status']));
  });

  it('fails on a renumbered field or a field the real file lacks', { timeout: 300_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shmlab-proto-'));
    try {
      const text = readFileSync(API_PROTO, 'utf8')
        .replace('map<string, string> sysctls = 3;', 'map<string, string> sysctls = 4;')
        .replace('bool privileged = 2;', 'bool privileged = 2;\n    bool shmlab_invented = 99;');
      writeFileSync(join(dir, 'api.proto'), text);
      expect(drift(load(join(dir, 'api.proto')), await real())).toEqual([
        'runtime.v1.LinuxPodSandboxConfig.sysctls: number 4 here, 3 there',
        'runtime.v1.LinuxContainerSecurityContext.shmlab_invented: absent from the real api.proto',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
