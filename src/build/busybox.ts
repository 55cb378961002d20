// The static busybox that gives the images a shell (Debian's busybox-static), or the one SHMLAB_BUSYBOX names.
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { aptInstall, canProvision } from '../engine/host-tools.js';
import { SetupError } from '../errors.js';

const BUSYBOX = '/bin/busybox';
/** Names a static busybox to use instead of /bin/busybox (a host without busybox-static; tests): never installed. */
const BUSYBOX_ENV = 'SHMLAB_BUSYBOX';
/** The applets the fixtures' scripts call (sysctl is shmlab's own, procps-compatible: c-src/sysctl.c). */
export const APPLETS = ['sh', 'cat', 'echo', 'kill', 'sleep', 'ls', 'ipcs', 'test', '[', 'rm'];

export async function ensureBusybox(say: (line: string) => void, signal?: AbortSignal): Promise<string> {
  const given = process.env[BUSYBOX_ENV];
  if (given) {
    if (existsSync(given) && staticFile(given)) return given;
    throw new SetupError(`${BUSYBOX_ENV}=${given} is not a statically linked program: name a static busybox, or unset it to use ${BUSYBOX}.`);
  }
  if (existsSync(BUSYBOX) && isStatic(BUSYBOX)) return BUSYBOX;
  if (!canProvision()) {
    throw new SetupError(`A statically linked ${BUSYBOX} is needed to build the images: install busybox-static (Debian/Ubuntu) and try again.`);
  }
  await aptInstall(['busybox-static'], say, signal);
  if (!isStatic(BUSYBOX)) throw new SetupError(`${BUSYBOX} is still not statically linked after installing busybox-static.`);
  return BUSYBOX;
}

function staticFile(path: string): boolean {
  try {
    return isStatic(path);
  } catch {
    return false; // a folder, or unreadable
  }
}

// An ELF file is static when no program header asks for an interpreter (PT_INTERP).
export function isStatic(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const header = Buffer.alloc(64);
    readSync(fd, header, 0, 64, 0);
    if (header.readUInt32BE(0) !== 0x7f454c46 || header[4] !== 2) return false; // ELF64 only
    const phoff = Number(header.readBigUInt64LE(32));
    const phentsize = header.readUInt16LE(54);
    const phnum = header.readUInt16LE(56);
    const table = Buffer.alloc(phentsize * phnum);
    readSync(fd, table, 0, table.length, phoff);
    for (let i = 0; i < phnum; i++) if (table.readUInt32LE(i * phentsize) === 3) return false;
    return true;
  } finally {
    closeSync(fd);
  }
}
