// The version of an OCI runtime's program, as it prints it.
/** `runsc version 0.0~20221219.0`, `crun version 1.8.1`, `runc version 1.1.5+ds1` → the version alone. */
export async function runtimeVersion(path: string): Promise<string | undefined> {
  const { execa } = await import('execa');
  const out = await execa(path, ['--version'], { reject: false, timeout: 5000 });
  const version = /version\s+(\S+)/.exec(String(out.stdout ?? ''))?.[1];
  return version?.replace(/^(0\.0~|release-)/, '');
}
