// The folders of src/ are layers: a folder imports only from layers below it, so that the engine families (src/docker,
// src/cri) know nothing of the runner, and nothing under src/ but the entry points reads experiments/.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../src/paths.js';

// Lower numbers are lower layers; folders of one number do not import each other.
const RANK: Record<string, number> = {
  base: 0, // src/errors.ts, src/labels.ts, src/paths.ts
  'src/model': 1,
  'src/fs': 1,
  'src/verdict': 2,
  'src/report': 2,
  'src/engine': 2,
  'src/lab': 3,
  'src/build': 4,
  'src/docker': 5,
  'src/cri': 5,
  'src/run/actions': 6,
  'src/run/user-experiments': 6,
  'src/run': 7,
  'src/matrix': 8,
  'src/cli': 9,
  // The fleet commands: a run in a pod (through the run command), the manifests, gathering.
  'src/fleet': 9.5,
  top: 10, // src/cli.ts, src/index.ts
};
const ENTRY_POINTS = new Set(['src/cli', 'src/fleet', 'top']);

function layerOf(file: string): string {
  const dir = dirname(file);
  if (dir !== 'src') return dir;
  return /^src\/(cli|index)\.ts$/.test(file) ? 'top' : 'base';
}

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory()) return e.name === 'status-samples' ? [] : sources(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.includes('.test.') ? [path] : [];
  });
}

/** Every relative import of the production sources: [from file, to file]. */
function imports(): [string, string][] {
  return sources('src').flatMap((file) =>
    [
      ...readFileSync(join(ROOT, file), 'utf8')
        .replace(/^\s*\/\/.*$/gm, '')
        .matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+)'/g),
    ].map((m): [string, string] => [file, relative(ROOT, normalize(join(ROOT, dirname(file), m[1]!))).replace(/\.js$/, '.ts')]),
  );
}

/** The imports that do not go into a lower layer (or stay in their folder), as `from -> to`. */
function upward(pairs: [string, string][]): string[] {
  return pairs
    .filter(([, to]) => !to.startsWith('experiments/'))
    .filter(([from, to]) => layerOf(from) !== layerOf(to) && !(RANK[layerOf(to)]! < RANK[layerOf(from)]!))
    .map(([from, to]) => `${from} -> ${to}`);
}

describe('the layers of src/', () => {
  it('every folder has a layer', () => {
    expect(
      sources('src')
        .map(layerOf)
        .filter((l) => RANK[l] === undefined),
    ).toEqual([]);
  });

  it('no import runs up or sideways: only into lower layers', () => {
    expect(upward(imports())).toEqual([]);
  });

  it('only the entry points read experiments/: the runner and the renderers are handed the catalog', () => {
    const wrong = imports()
      .filter(([from, to]) => to.startsWith('experiments/') && !ENTRY_POINTS.has(layerOf(from)))
      .map(([from, to]) => `${from} -> ${to}`);
    expect(wrong).toEqual([]);
  });

  it('can fail: an import up, or between the two families, is caught; one down is not', () => {
    const pairs: [string, string][] = [
      ['src/docker/docker-lab.ts', 'src/run/lab.ts'],
      ['src/cri/cri-lab.ts', 'src/docker/docker-api.ts'],
      ['src/run/lab.ts', 'src/docker/docker-lab.ts'],
    ];
    expect(upward(pairs)).toEqual(['src/docker/docker-lab.ts -> src/run/lab.ts', 'src/cri/cri-lab.ts -> src/docker/docker-api.ts']);
  });
});
