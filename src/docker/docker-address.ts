// Where the engine is: DOCKER_HOST as given, else the default socket, as Docker's own tools choose.

const DEFAULT_SOCKET = '/var/run/docker.sock';

export interface EngineAddress {
  uri: string;
  /** True when DOCKER_HOST named it: then it is used as given, never provisioned. */
  explicit: boolean;
  socketPath?: string;
  host?: string;
  port?: number;
}

export function resolveEngineAddress(env: NodeJS.ProcessEnv = process.env): EngineAddress {
  if (env.DOCKER_HOST !== undefined && env.DOCKER_HOST !== '' && env.DOCKER_HOST.trim() === '') {
    // Set, but to nothing usable: an explicit choice that cannot be honoured, never a reason to provision.
    throw new TypeError('DOCKER_HOST is set but blank: unset it to use the default engine, or give an address such as unix:///var/run/docker.sock');
  }
  const given = env.DOCKER_HOST?.trim();
  if (!given) return { uri: `unix://${DEFAULT_SOCKET}`, explicit: false, socketPath: DEFAULT_SOCKET };
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    throw new TypeError(`DOCKER_HOST must be a URL such as unix:///var/run/docker.sock or tcp://127.0.0.1:2375, got ${JSON.stringify(given)}`);
  }
  if (url.protocol === 'unix:') return { uri: given, explicit: true, socketPath: url.pathname };
  if (url.protocol === 'tcp:' || url.protocol === 'http:') {
    // An IPv6 literal comes in brackets (tcp://[::1]:2375); a socket wants the address without them.
    return { uri: given, explicit: true, host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(url.port || 2375) };
  }
  throw new TypeError(`DOCKER_HOST must use unix:// or tcp://, got ${JSON.stringify(given)}`);
}
