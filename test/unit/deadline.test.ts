import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deadline } from '../../common/deadline.ts';

// A full collection on demand, without starting the worker with --expose-gc.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const settled = (p: Promise<unknown>, ms: number) =>
  Promise.race([
    p.then(
      () => 'answered',
      (err: Error) => err.name,
    ),
    new Promise((resolve) => setTimeout(() => resolve('still waiting'), ms)),
  ]);

describe('deadline', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = createServer(() => undefined); // takes every request and never answers
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('ends a fetch that gets no answer, even when a collection runs while it waits', async () => {
    const stop = new AbortController();
    const limit = deadline(300, [stop.signal]);
    const fetching = fetch(url, { signal: limit.signal });
    // The collection that made AbortSignal.any([AbortSignal.timeout(…), …]) wait forever.
    await new Promise((resolve) => setTimeout(resolve, 50));
    gc();
    expect(await settled(fetching, 3_000)).toBe('TimeoutError');
    expect(limit.timedOut()).toBe(true);
    limit.clear();
  });

  it('aborts with the reason of a given signal, and says it was not the time', async () => {
    const stop = new AbortController();
    const limit = deadline(5_000, [stop.signal]);
    const fetching = fetch(url, { signal: limit.signal });
    stop.abort(new Error('stopping'));
    await expect(fetching).rejects.toThrow('stopping');
    expect(limit.timedOut()).toBe(false);
    limit.clear();
  });

  it('is aborted at once by a signal aborted before it, and a time running out later does not count as timed out', async () => {
    const limit = deadline(20, [AbortSignal.abort('gone')]);
    expect(limit.signal.aborted).toBe(true);
    expect(limit.signal.reason).toBe('gone');
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(limit.timedOut()).toBe(false);
  });

  it('after clear, neither the time nor the given signals abort it', async () => {
    const stop = new AbortController();
    const limit = deadline(20, [stop.signal]);
    limit.clear();
    stop.abort();
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(limit.signal.aborted).toBe(false);
    expect(limit.timedOut()).toBe(false);
  });
});
