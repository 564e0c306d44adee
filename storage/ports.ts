/**
 * TCP port helpers for the servers Merezha runs itself (the managed InfluxDB,
 * the demo's NATS cluster): loopback only, never a packet off the machine.
 */
import { createServer, type Server } from 'node:net';

export const LOOPBACK = '127.0.0.1';

function listen(port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port, host, exclusive: true }, () => resolve(server));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

function boundPort(server: Server): number {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server has no TCP address');
  return address.port;
}

/** True when nothing listens on the port (we could bind it ourselves). */
export async function isTcpPortFree(port: number, host = LOOPBACK): Promise<boolean> {
  try {
    await close(await listen(port, host));
    return true;
  } catch {
    return false;
  }
}

/**
 * `count` distinct free ports. All are held open at once before any is
 * released, so the kernel cannot hand out the same port twice.
 */
export async function freeTcpPorts(count: number, host = LOOPBACK): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i += 1) servers.push(await listen(0, host));
    return servers.map(boundPort);
  } finally {
    await Promise.all(servers.map(close));
  }
}

/** How many times a server is started on ports chosen anew when one was taken between choosing and binding it. */
const PORT_ATTEMPTS = 3;
const BIND_RACE = /bind: address already in use/;

/**
 * Runs `start`, which chooses free ports and starts a server on them, again
 * while it fails because a port was taken before the server bound it (its
 * error says so in the server's words): a port free when chosen may be taken
 * meanwhile, and the kernel also hands such ports out as the local ends of
 * outgoing connections. Choosing again skips a port still busy. `start` must
 * stop what it started before it fails.
 */
export async function startOnFreePorts<T>(start: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      if (attempt < PORT_ATTEMPTS && BIND_RACE.test((err as Error).message)) continue;
      throw err;
    }
  }
}
