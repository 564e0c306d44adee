/**
 * TCP port helpers for the managed InfluxDB: loopback only, never a packet
 * off the machine.
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
