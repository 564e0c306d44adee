/**
 * Free ports for test servers: bind port 0 on a loopback address, read the
 * port the kernel chose, release it.
 */
import { createSocket } from 'node:dgram';
import { freeTcpPorts, LOOPBACK } from '../../storage/ports.ts';

export { freeTcpPorts };

export async function freeTcpPort(host = LOOPBACK): Promise<number> {
  const [port] = await freeTcpPorts(1, host);
  return port!;
}

export function freeUdpPort(host = LOOPBACK): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    socket.once('error', reject);
    socket.bind(0, host, () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}
