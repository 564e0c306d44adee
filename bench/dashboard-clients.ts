/**
 * The dashboards of the dashboard benchmark: N socket.io clients in a process
 * of their own, so that the server's event loop is not the clients' one. Each
 * records when (Date.now(), the machine's clock) it received each `state` event.
 *
 * Input (env BENCH_CLIENTS, JSON): { url, clients, token? }
 * Protocol on stdio: prints `ready <ms to connect all>` once every client is
 * connected (or `failed <message>`); on a `stop` line on stdin it closes them
 * all and prints one JSON line: { receipts: { "<subject>|<state>|<since>": [ms, ...] }, disconnects }.
 */
import { createInterface } from 'node:readline';
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../common/api.ts';

interface Input {
  url: string;
  clients: number;
  token?: string;
}

const input = JSON.parse(process.env.BENCH_CLIENTS ?? '{}') as Input;
const receipts = new Map<string, number[]>();
let disconnects = 0;
const sockets: Socket<ServerToClientEvents, ClientToServerEvents>[] = [];

const t0 = performance.now();
const connected = Array.from(
  { length: input.clients },
  () =>
    new Promise<void>((resolve, reject) => {
      const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(input.url, {
        transports: ['websocket'],
        reconnection: false,
        ...(input.token ? { auth: { token: input.token } } : {}),
      });
      sockets.push(socket);
      socket.on('state', (event) => {
        const at = Date.now();
        const key = `${event.subject}|${event.state}|${event.since}`;
        const list = receipts.get(key);
        if (list) list.push(at);
        else receipts.set(key, [at]);
      });
      socket.once('connect', () => resolve());
      socket.once('connect_error', (err) => reject(err));
      socket.on('disconnect', () => disconnects++);
    }),
);

Promise.all(connected).then(
  () => process.stdout.write(`ready ${Math.round(performance.now() - t0)}\n`),
  (err: unknown) => {
    process.stdout.write(`failed ${(err as Error).message}\n`);
    for (const s of sockets) s.close();
    process.exit(1);
  },
);

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line.trim() !== 'stop') return;
  const closing = disconnects;
  for (const s of sockets) s.close();
  const out = JSON.stringify({ receipts: Object.fromEntries(receipts), disconnects: closing });
  process.stdout.write(`${out}\n`, () => process.exit(0));
});
// The parent went away: nothing to report to.
lines.on('close', () => process.exit(0));
