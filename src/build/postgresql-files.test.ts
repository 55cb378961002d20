import { existsSync, mkdirSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../../test/temp-dirs.js';
import { layOutExtra } from './postgresql-files.js';

describe("an image's PostgreSQL files", () => {
  it("copies the packages' usr/ with their links as they are, less docs and the JIT, and the host's libraries at their paths", () => {
    const root = tempDir();
    const put = (path: string) => {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), path);
    };
    put('usr/lib/postgresql/15/bin/postgres');
    put('usr/lib/postgresql/15/lib/llvmjit.so');
    put('usr/lib/postgresql/15/lib/bitcode/postgres.index.bc');
    put('usr/share/doc/postgresql-15/copyright');
    put('usr/lib/x86_64-linux-gnu/libpq.so.5.15');
    symlinkSync('libpq.so.5.15', join(root, 'usr/lib/x86_64-linux-gnu/libpq.so.5'));
    const host = join(tempDir(), 'libfoo.so.1');
    writeFileSync(host, 'foo');
    const context = tempDir();
    layOutExtra({ name: 'postgresql', roots: [root], hostFiles: [host], folders: ['usr'], hash: 'x' }, context);
    const has = (path: string) => existsSync(join(context, path));
    expect({
      postgres: has('usr/lib/postgresql/15/bin/postgres'),
      jit: has('usr/lib/postgresql/15/lib/llvmjit.so'),
      bitcode: has('usr/lib/postgresql/15/lib/bitcode'),
      doc: has('usr/share/doc'),
      link: readlinkSync(join(context, 'usr/lib/x86_64-linux-gnu/libpq.so.5')),
      host: has(host),
    }).toEqual({ postgres: true, jit: false, bitcode: false, doc: false, link: 'libpq.so.5.15', host: true });
  });
});

afterAll(removeTempDirs);
