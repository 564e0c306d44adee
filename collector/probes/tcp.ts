/**
 * TCP service checks (`tcp: host:port`): up when a connection opens within the
 * timeout, latency is the connect time, and the connection is closed at once.
 */
import net from 'node:net';
import { serviceKind, type ServiceCheck } from './service.ts';

const checkTcp: ServiceCheck = (address, _service, signal, describe) =>
  new Promise((resolve) => {
    // host:port or [ipv6]:port, as the config schema allows.
    const colon = address.lastIndexOf(':');
    const host = address.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
    const started = performance.now();
    const socket = net.connect({ host, port: Number(address.slice(colon + 1)), signal });
    socket.once('connect', () => {
      resolve({ up: true, latency_ms: performance.now() - started });
      socket.destroy();
    });
    socket.on('error', (error) => resolve({ up: false, error: describe(error) }));
  });

export const tcpProbe = serviceKind('tcp', checkTcp);
