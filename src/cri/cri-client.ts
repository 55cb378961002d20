// A promise-based CRI client over the runtime's unix socket: every call has a deadline, every error the runtime's words.

import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { graceLeft, interruption, processSignal } from '../engine/interruption.js';
import { plainWords } from '../errors.js';
import { ROOT } from '../paths.js';
import type {
  Container,
  ContainerConfig,
  ContainerStatus,
  ExecSyncResponse,
  Image,
  Labels,
  PodSandbox,
  PodSandboxConfig,
  PodSandboxStatus,
  StatusResponse,
  VersionResponse,
} from './cri-types.js';

/** shmlab's subset of the CRI api.proto (read from the source tree: tsc does not copy it to dist/). */
export const API_PROTO = join(ROOT, 'src', 'cri', 'api.proto');
const DEFAULT_TIMEOUT_MS = 30_000;

/** A refused or failed CRI call: the gRPC status name (`code`) and the runtime's own words (`details`, also the message). */
export class CriError extends Error {
  constructor(
    readonly method: string,
    readonly code: string,
    readonly details: string,
  ) {
    super(details);
    this.name = 'CriError';
  }
}

interface CallOptions {
  /** The call's deadline; DEFAULT_TIMEOUT_MS unless given. */
  timeoutMs?: number;
}

type Service = 'RuntimeService' | 'ImageService';
type Unary = (
  request: object,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: (err: grpc.ServiceError | null, response: unknown) => void,
) => void;

let definition: grpc.GrpcObject | undefined;
function services(): { RuntimeService: grpc.ServiceClientConstructor; ImageService: grpc.ServiceClientConstructor } {
  // longs as strings: nanosecond timestamps do not fit a JS number; enums as their names, for readable transcripts.
  definition ??= grpc.loadPackageDefinition(loadSync(API_PROTO, { keepCase: true, longs: String, enums: String, defaults: true }));
  const v1 = (definition.runtime as grpc.GrpcObject).v1 as grpc.GrpcObject;
  return { RuntimeService: v1.RuntimeService as grpc.ServiceClientConstructor, ImageService: v1.ImageService as grpc.ServiceClientConstructor };
}

// Calls that create or remove something: waited for after a signal (within what is left of its time), so that cleanup
// knows what they made.
const CHANGES = new Set(['RunPodSandbox', 'StopPodSandbox', 'RemovePodSandbox', 'CreateContainer', 'StartContainer', 'StopContainer', 'RemoveContainer']);

export class CriClient {
  private readonly clients: Record<Service, grpc.Client>;

  /** `address`: `unix:///path/to/containerd.sock`. */
  constructor(
    readonly address: string,
    private readonly defaultTimeoutMs = DEFAULT_TIMEOUT_MS,
    private readonly signal?: AbortSignal,
  ) {
    const { RuntimeService, ImageService } = services();
    const credentials = grpc.credentials.createInsecure();
    this.clients = { RuntimeService: new RuntimeService(address, credentials), ImageService: new ImageService(address, credentials) };
  }

  /**
   * One unary call with a deadline; a gRPC error becomes a CriError (in the runtime's words, without gRPC's own). A
   * signal (the command line's, unless the client was given one) cancels a call that creates nothing at once; one that
   * creates or removes something, and every call made after the signal, gets what is left of the time after it.
   */
  call<T>(service: Service, method: string, request: object, options: CallOptions = {}): Promise<T> {
    const client = this.clients[service] as unknown as Record<string, Unary>;
    const fn = client[method];
    if (!fn) return Promise.reject(new Error(`CRI ${service}.${method} is not in shmlab's api.proto`));
    const signal = this.signal ?? processSignal();
    const grace = graceLeft(signal);
    if (grace <= 0) return Promise.reject(interruption(signal!, `before CRI ${method}`));
    const deadline = Date.now() + Math.min(options.timeoutMs ?? this.defaultTimeoutMs, grace);
    return new Promise<T>((resolve, reject) => {
      let onAbort: (() => void) | undefined;
      const call = fn.call(client, request, new grpc.Metadata(), { deadline }, (err, response) => {
        if (onAbort) signal?.removeEventListener('abort', onAbort);
        if (err) reject(new CriError(method, grpc.status[err.code] ?? String(err.code), plainWords((err.details || err.message).trim())));
        else resolve(response as T);
      }) as unknown as grpc.ClientUnaryCall | undefined;
      if (signal && !signal.aborted) {
        // A change in flight is waited for, but not beyond the time left after the signal.
        onAbort = CHANGES.has(method)
          ? () => setTimeout(() => call?.cancel(), Math.max(0, graceLeft(signal))).unref()
          : () => {
              call?.cancel();
              reject(interruption(signal, `while waiting for the runtime (${method})`));
            };
        signal.addEventListener('abort', onAbort, { once: true });
      }
    });
  }

  version(options?: CallOptions): Promise<VersionResponse> {
    return this.call('RuntimeService', 'Version', { version: 'v1' }, options);
  }

  status(verbose = true, options?: CallOptions): Promise<StatusResponse> {
    return this.call('RuntimeService', 'Status', { verbose }, options);
  }

  async runPodSandbox(config: PodSandboxConfig, runtimeHandler = '', options?: CallOptions): Promise<string> {
    const r = await this.call<{ pod_sandbox_id: string }>('RuntimeService', 'RunPodSandbox', { config, runtime_handler: runtimeHandler }, options);
    return r.pod_sandbox_id;
  }

  async stopPodSandbox(id: string, options?: CallOptions): Promise<void> {
    await this.call('RuntimeService', 'StopPodSandbox', { pod_sandbox_id: id }, options);
  }

  async removePodSandbox(id: string, options?: CallOptions): Promise<void> {
    await this.call('RuntimeService', 'RemovePodSandbox', { pod_sandbox_id: id }, options);
  }

  podSandboxStatus(id: string, verbose = false, options?: CallOptions): Promise<{ status: PodSandboxStatus; info: Labels }> {
    return this.call('RuntimeService', 'PodSandboxStatus', { pod_sandbox_id: id, verbose }, options);
  }

  async listPodSandbox(filter: { id?: string; label_selector?: Labels } = {}, options?: CallOptions): Promise<PodSandbox[]> {
    return (await this.call<{ items: PodSandbox[] }>('RuntimeService', 'ListPodSandbox', { filter }, options)).items;
  }

  async createContainer(podSandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig, options?: CallOptions): Promise<string> {
    const r = await this.call<{ container_id: string }>(
      'RuntimeService',
      'CreateContainer',
      { pod_sandbox_id: podSandboxId, config, sandbox_config: sandboxConfig },
      options,
    );
    return r.container_id;
  }

  async startContainer(id: string, options?: CallOptions): Promise<void> {
    await this.call('RuntimeService', 'StartContainer', { container_id: id }, options);
  }

  /** `timeoutSeconds` is the grace period before SIGKILL (0: at once); the call's deadline allows for it. */
  async stopContainer(id: string, timeoutSeconds: number, options?: CallOptions): Promise<void> {
    await this.call(
      'RuntimeService',
      'StopContainer',
      { container_id: id, timeout: timeoutSeconds },
      { timeoutMs: timeoutSeconds * 1000 + (options?.timeoutMs ?? this.defaultTimeoutMs) },
    );
  }

  async removeContainer(id: string, options?: CallOptions): Promise<void> {
    await this.call('RuntimeService', 'RemoveContainer', { container_id: id }, options);
  }

  async listContainers(filter: { id?: string; pod_sandbox_id?: string; label_selector?: Labels } = {}, options?: CallOptions): Promise<Container[]> {
    return (await this.call<{ containers: Container[] }>('RuntimeService', 'ListContainers', { filter }, options)).containers;
  }

  containerStatus(id: string, verbose = false, options?: CallOptions): Promise<{ status: ContainerStatus; info: Labels }> {
    return this.call('RuntimeService', 'ContainerStatus', { container_id: id, verbose }, options);
  }

  /** The runtime ends the command after `timeoutSeconds`; the gRPC deadline is a little longer so that its answer arrives. */
  execSync(id: string, cmd: string[], timeoutSeconds = 60): Promise<ExecSyncResponse> {
    return this.call('RuntimeService', 'ExecSync', { container_id: id, cmd, timeout: timeoutSeconds }, { timeoutMs: timeoutSeconds * 1000 + 5000 });
  }

  async listImages(options?: CallOptions): Promise<Image[]> {
    return (await this.call<{ images: Image[] }>('ImageService', 'ListImages', { filter: {} }, options)).images;
  }

  /** The image, or null when the runtime does not have it (CRI answers an empty image, not an error). */
  async imageStatus(image: string, options?: CallOptions): Promise<Image | null> {
    const r = await this.call<{ image: Image | null }>('ImageService', 'ImageStatus', { image: { image } }, options);
    return r.image && r.image.id ? r.image : null;
  }

  async removeImage(image: string, options?: CallOptions): Promise<void> {
    await this.call('ImageService', 'RemoveImage', { image: { image } }, options);
  }

  close(): void {
    for (const client of Object.values(this.clients)) client.close();
  }
}
