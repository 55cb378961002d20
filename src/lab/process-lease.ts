// Proof that a shmlab process is alive: each holds an exclusive flock(2) on a lease file under a runtime folder
// shared by every shmlab process of the host, for exactly as long as it lives. Everything it creates carries the
// lease's id; `clean` and the next run remove only what belongs to leases proven dead (the file is there and
// nobody holds its lock). Unlike hostname + pid, this holds across PID namespaces and survives pid reuse.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomically } from '../fs/atomic-write.js';

/** What a live process uses, so that nobody removes it under it. */
export interface LeaseClaims {
  lease: string;
  pid: number;
  started: number;
  /** Image ids its runs use (cached images are never removed while claimed). */
  images: string[];
  /** Keys in the host's IPC namespace its runs may create segments under. */
  hostKeys: number[];
  /** Host sysctls it changed, with the values to put back (written before the change). */
  hostSysctls?: Record<string, string>;
  /** Pods it is about to create or has made on a CRI runtime and not yet removed (written before RunPodSandbox). */
  pods?: PodClaim[];
}

/**
 * A pod on a CRI runtime, recorded before it is asked for: a killed run's pod is then found even when the runtime never
 * listed it (a RunPodSandbox that never returned), and so is what shmlab and the runtime made on the host for it.
 */
export interface PodClaim {
  /** The runtime's endpoint (unix:///…): only a clean on that runtime can remove the pod. */
  runtime: string;
  name: string;
  uid: string;
  /** Its cgroup parent (e.g. /shmlab/containerd-1.6/pod<uid>), in every hierarchy: runc init and the pod's processes live under it. */
  cgroupParent: string;
  /** The folders shmlab makes for it on the host (emptyDir, with any tmpfs mounted under it, and logs). */
  folders: string[];
}

type Liveness = 'alive' | 'dead' | 'unknown';

/** The shared runtime folder: /run/shmlab for root, else the user's runtime folder, else the temporary folder. */
export function leaseFolder(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SHMLAB_RUNTIME_DIR) return env.SHMLAB_RUNTIME_DIR;
  if (process.getuid?.() === 0 && writable('/run')) return '/run/shmlab/leases';
  if (env.XDG_RUNTIME_DIR && writable(env.XDG_RUNTIME_DIR)) return join(env.XDG_RUNTIME_DIR, 'shmlab/leases');
  return join(tmpdir(), `shmlab-${process.getuid?.() ?? 'user'}/leases`);
}

function writable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

export class ProcessLease {
  readonly id = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  private readonly claims: LeaseClaims = { lease: '', pid: process.pid, started: Date.now(), images: [], hostKeys: [] };
  private holder?: ChildProcess;

  constructor(readonly folder: string = leaseFolder()) {
    this.claims.lease = this.id;
  }

  /** The locked file; never rewritten, since a lock belongs to the file's inode. */
  get file(): string {
    return join(this.folder, `${this.id}.lease`);
  }

  /** The claims, beside it, replaced atomically on each change. */
  get claimsFile(): string {
    return join(this.folder, `${this.id}.claims`);
  }

  /** Takes the lock: a `flock` child holds it until this process's end closes its standard input, however it ends. */
  async acquire(): Promise<void> {
    mkdirSync(this.folder, { recursive: true });
    // A new file of its own (the id is random): never through a link planted at its name.
    const fd = openSync(this.file, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_NOFOLLOW, 0o644);
    try {
      writeSync(fd, `${process.pid}\n`);
    } finally {
      closeSync(fd);
    }
    // Waiting, not --nonblock: another process's liveness check may hold the new file's lock for an instant. Nothing
    // is claimed before the lock is held.
    this.holder = await holdLock(this.file, true);
    this.write();
  }

  claimImages(ids: Iterable<string>): void {
    for (const id of ids) if (!this.claims.images.includes(id)) this.claims.images.push(id);
    this.write();
  }

  /** Written before any segment under the key can exist, so that a concurrent clean never takes it for an orphan. */
  claimHostKey(key: number): void {
    this.claims.hostKeys.push(key);
    this.write();
  }

  claimHostSysctls(originals: Record<string, string>): void {
    this.claims.hostSysctls = { ...originals, ...this.claims.hostSysctls };
    this.write();
  }

  releaseHostSysctls(keys: string[]): void {
    const left = Object.entries(this.claims.hostSysctls ?? {}).filter(([k]) => !keys.includes(k));
    this.claims.hostSysctls = left.length ? Object.fromEntries(left) : undefined;
    this.write();
  }

  releaseHostKey(key: number): void {
    this.claims.hostKeys = this.claims.hostKeys.filter((k) => k !== key);
    this.write();
  }

  /** Written before the runtime is asked for the pod, and before shmlab makes its folders. */
  claimPod(pod: PodClaim): void {
    this.claims.pods = [...(this.claims.pods ?? []), pod];
    this.write();
  }

  /** Once the pod and all that was made for it are gone. */
  releasePod(uid: string): void {
    const left = (this.claims.pods ?? []).filter((p) => p.uid !== uid);
    this.claims.pods = left.length ? left : undefined;
    this.write();
  }

  /**
   * Ends the lease (process exit): the lock is let go, and the claims go unless they still name pods (a second signal
   * exits without cleaning up, a lost runtime leaves pods it could not remove), which then are a dead lease's for `clean`.
   * The lease file stays, unlocked, so that what this process could not remove is proven dead for `clean`
   * (forgetDeadLeases prunes it).
   */
  release(): void {
    if (!this.claims.pods?.length) rmSync(this.claimsFile, { force: true });
    if (this.holder?.pid && this.holder.exitCode === null) this.holder.kill('SIGTERM');
    this.holder = undefined;
  }

  private write(): void {
    writeFileAtomically(this.claimsFile, JSON.stringify(this.claims));
  }
}

let current: Promise<ProcessLease> | undefined;

/** This process's lease, taken at first use and released when the process exits normally. */
export function processLease(): Promise<ProcessLease> {
  if (!current) {
    current = (async () => {
      const lease = new ProcessLease();
      await lease.acquire();
      process.once('exit', () => lease.release());
      return lease;
    })();
  }
  return current;
}

/** Alive: its lock is held. Dead: its file is there and nobody holds the lock. Unknown: no file here (another host, or an older shmlab). */
export function leaseLiveness(id: string | undefined, folder: string = leaseFolder()): Liveness {
  if (!id || !/^[a-z0-9]+$/.test(id)) return 'unknown';
  const file = join(folder, `${id}.lease`);
  if (!existsSync(file)) return 'unknown';
  const probe = spawnSync('flock', ['--exclusive', '--nonblock', file, 'true'], { stdio: 'ignore' });
  if (probe.status === 0) return 'dead';
  if (probe.status === 1) return 'alive';
  return 'unknown';
}

/** The claims of every live lease of this host (images and host keys in use). */
export function liveClaims(folder: string = leaseFolder()): LeaseClaims[] {
  return claimsOf('alive', folder);
}

/** The claims a process left when it was killed (a normal exit removes them): what it may have left behind. */
export function deadClaims(folder: string = leaseFolder()): LeaseClaims[] {
  return claimsOf('dead', folder);
}

/** Drops a dead process's claims once what they name is cleaned up. */
export function forgetClaims(lease: string, folder: string = leaseFolder()): void {
  if (leaseLiveness(lease, folder) === 'dead') rmSync(join(folder, `${lease}.claims`), { force: true });
}

/** Once a dead process's host sysctls are put back: its claims without them (its other leftovers still to clean). */
export function forgetHostSysctlClaims(lease: string, folder: string = leaseFolder()): void {
  rewriteDeadClaims(lease, folder, (claims) => {
    delete claims.hostSysctls;
  });
}

/** Once a dead process's pods are removed, and what was made for them: its claims without them. */
export function forgetPodClaims(lease: string, uids: readonly string[], folder: string = leaseFolder()): void {
  rewriteDeadClaims(lease, folder, (claims) => {
    const left = (claims.pods ?? []).filter((p) => !uids.includes(p.uid));
    claims.pods = left.length ? left : undefined;
  });
}

function rewriteDeadClaims(lease: string, folder: string, change: (claims: LeaseClaims) => void): void {
  const file = join(folder, `${lease}.claims`);
  if (leaseLiveness(lease, folder) !== 'dead' || !existsSync(file)) return;
  const claims = JSON.parse(readFileSync(file, 'utf8')) as LeaseClaims;
  change(claims);
  writeFileAtomically(file, JSON.stringify(claims));
}

function claimsOf(liveness: Liveness, folder: string): LeaseClaims[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((f) => f.endsWith('.claims'))
    .map((f) => f.slice(0, -'.claims'.length))
    .filter((id) => leaseLiveness(id, folder) === liveness)
    .flatMap((id) => {
      try {
        return [JSON.parse(readFileSync(join(folder, `${id}.claims`), 'utf8')) as LeaseClaims];
      } catch {
        return [];
      }
    });
}

/** Removes the files of dead leases older than `olderThanMs` (their resources are cleaned by then, or fall to the age rule). */
export function forgetDeadLeases(olderThanMs: number, folder: string = leaseFolder()): number {
  if (!existsSync(folder)) return 0;
  let removed = 0;
  for (const f of readdirSync(folder).filter((name) => name.endsWith('.lease'))) {
    const id = f.slice(0, -'.lease'.length);
    const path = join(folder, f);
    // A sibling process (the matrix starts several) may have forgotten it a moment ago.
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat && Date.now() - stat.mtimeMs > olderThanMs && leaseLiveness(id, folder) === 'dead') {
      rmSync(join(folder, `${id}.claims`), { force: true });
      rmSync(path, { force: true });
      removed++;
    }
  }
  return removed;
}

/**
 * Holds an exclusive flock on `file` in a `flock` child that lives exactly as long as this process (it reads this
 * process's end of a pipe). Its own process group: a Ctrl-C at the terminal must not release it while this process
 * cleans up. `wait`: wait for another holder to let go, else fail at once.
 */
export async function holdLock(file: string, wait: boolean): Promise<ChildProcess> {
  const holder = spawn('flock', ['--exclusive', ...(wait ? [] : ['--nonblock']), file, 'sh', '-c', 'echo locked; exec cat >/dev/null'], {
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  await new Promise<void>((resolve, reject) => {
    let said = '';
    holder.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('locked')) resolve();
    });
    holder.stderr!.on('data', (chunk: Buffer) => (said += chunk.toString()));
    holder.on('error', (err) => reject(new Error(`cannot lock ${file} with flock (util-linux): ${err.message}`)));
    holder.on('exit', (code) => reject(new Error(`cannot lock ${file} (flock exited ${code}${said ? `: ${said.trim()}` : ''})`)));
  });
  holder.removeAllListeners('exit');
  holder.unref();
  for (const stream of [holder.stdin, holder.stdout, holder.stderr]) (stream as unknown as { unref?: () => void }).unref?.();
  return holder;
}
