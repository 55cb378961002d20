// A tiny static program of the test's own (cc -static, as shmlab compiles its programs): unit tests that need a static
// ELF file use it, never a program that only the engine tests' setup installs (Debian's busybox-static).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';

export async function staticProgram(dir: string, name = 'tiny'): Promise<string> {
  const source = join(dir, `${name}.c`);
  writeFileSync(source, 'int main(void) { return 0; }\n');
  await execa('cc', ['-static', '-O2', '-s', '-o', join(dir, name), source]);
  return join(dir, name);
}
