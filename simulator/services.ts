/**
 * Stand-ins for the services of a simulated hromada: a small web page for
 * each `url` service and a listening socket for each `tcp` service, on their
 * loopback addresses, so the demo's website and mail checks have something
 * real to check. Services on other addresses are left alone.
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import type { Logger } from '../common/log.ts';
import type { Config } from '../config/schema.ts';

export interface SimulatedServices {
  stop(): Promise<void>;
}

const isLoopback = (host: string) => /^127\.\d+\.\d+\.\d+$/.test(host);

function listen(server: HttpServer | TcpServer, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

export async function startServices(config: Config, log: Logger): Promise<SimulatedServices> {
  const servers: (HttpServer | TcpServer)[] = [];
  for (const service of config.services) {
    const address = service.url ? new URL(service.url) : new URL(`tcp://${service.tcp}`);
    if (!isLoopback(address.hostname) || address.protocol === 'https:') continue;
    const port = Number(address.port || 80);
    const server = service.url
      ? createHttpServer((_req, res) => {
          res.setHeader('content-type', 'text/html; charset=utf-8');
          res.end(`<!doctype html><title>${config.hromada.name}</title><h1>${service.name}</h1><p>Демонстраційна сторінка.</p>`);
        })
      : createTcpServer((socket) => {
          // A TCP check hangs up at once; the reset that causes is expected, not a failure.
          socket.on('error', () => {});
          socket.end('220 merezha demo mail\r\n');
        });
    try {
      await listen(server, address.hostname, port);
      servers.push(server);
    } catch (err) {
      log.warn({ service: service.id, err: (err as Error).message }, 'cannot simulate this service; its checks will fail');
    }
  }
  return {
    stop: () =>
      Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => resolve());
              if ('closeAllConnections' in s) s.closeAllConnections();
            }),
        ),
      ).then(() => undefined),
  };
}
