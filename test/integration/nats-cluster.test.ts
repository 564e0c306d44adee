/**
 * The NATS cluster Merezha runs itself (central/nats-cluster.ts) when a port
 * it chose is taken before nats-server binds it: it starts again on ports
 * chosen anew, and a node that fails for another reason is an error naming
 * that reason. The real nats-server, through a wrapper that first waits (so
 * that the test can take the port) or plays a failing start, as a file in the
 * wrapper's folder says; each start is counted there.
 */
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/log.ts';
import type { startNatsCluster as Start } from '../../central/nats-cluster.ts';
import { waitFor } from '../support/influxd.ts';

let wrapperDir: string;
let startNatsCluster: typeof Start;

const WRAPPER = `#!/bin/sh
here=$(dirname "$0")
echo start >> "$here/calls"
case "$(cat "$here/mode")" in
  wait) sleep 0.5; exec nats-server "$@" ;;
  alone) case "$2" in *node-1.conf) exec nats-server "$@" ;; *) exec sleep 600 ;; esac ;;
  race) echo '[FTL] Error listening on port: 127.0.0.1:1, "listen tcp 127.0.0.1:1: bind: address already in use"' >&2; exit 1 ;;
  *) echo '[FTL] the configuration file is broken' >&2; exit 1 ;;
esac
`;

beforeAll(async () => {
  wrapperDir = await mkdtemp(join(tmpdir(), 'merezha-nats-wrapper-'));
  const wrapper = join(wrapperDir, 'nats-server');
  await writeFile(wrapper, WRAPPER);
  await chmod(wrapper, 0o755);
  // The module reads which nats-server to run once, when it loads; the variable is this file's alone.
  const before = process.env.MEREZHA_NATS_SERVER;
  process.env.MEREZHA_NATS_SERVER = wrapper;
  try {
    ({ startNatsCluster } = await import('../../central/nats-cluster.ts'));
  } finally {
    if (before === undefined) delete process.env.MEREZHA_NATS_SERVER;
    else process.env.MEREZHA_NATS_SERVER = before;
  }
});

afterAll(() => rm(wrapperDir, { recursive: true, force: true }));

async function play(mode: 'wait' | 'race' | 'broken' | 'alone'): Promise<{ dir: string; starts: () => Promise<number> }> {
  await writeFile(join(wrapperDir, 'mode'), mode);
  await writeFile(join(wrapperDir, 'calls'), '');
  const dir = await mkdtemp(join(tmpdir(), 'merezha-nats-cluster-'));
  return { dir, starts: async () => (await readFile(join(wrapperDir, 'calls'), 'utf8')).split('\n').filter(Boolean).length };
}

describe('a NATS cluster of its own', () => {
  it('chooses its ports again when one is taken between choosing it and nats-server binding it', async () => {
    const { dir, starts } = await play('wait');
    const thief: Server = createServer();
    let stop: (() => Promise<void>) | undefined;
    try {
      const starting = startNatsCluster({ dir, hromadas: ['alpha'], nodes: 1, log: silentLogger() });
      let taken = 0;
      // The config names the client port before the (waiting) nats-server binds it.
      await waitFor(
        'the node config',
        async () => {
          const config = await readFile(join(dir, 'config', 'node-1.conf'), 'utf8').catch(() => '');
          taken = Number(/^listen: "127\.0\.0\.1:(\d+)"/m.exec(config)?.[1] ?? 0);
          return taken > 0;
        },
        5_000,
      );
      await new Promise<void>((done) => thief.listen(taken, '127.0.0.1', done));
      const cluster = await starting;
      stop = cluster.stop;
      expect(await starts()).toBe(2);
      expect(cluster.urls[0]).not.toContain(`:${taken}`);
      const monitor = cluster.plan.nodes[0]!.monitorPort;
      expect((await fetch(`http://127.0.0.1:${monitor}/healthz`)).ok).toBe(true);
    } finally {
      await stop?.();
      thief.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['tries three times while a port is taken, then says so', 'race', 3, /exited at start: .*bind: address already in use/],
    ['does not try again when a node fails otherwise, and says why', 'broken', 1, /exited at start: .*the configuration file is broken/],
  ] as const)('%s', async (_what, mode, attempts, message) => {
    const { dir, starts } = await play(mode);
    try {
      await expect(startNatsCluster({ dir, hromadas: ['alpha'], nodes: 1, log: silentLogger() })).rejects.toThrow(message);
      expect(await starts()).toBe(attempts);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('says what /healthz answered when a node is not ready in time, and stops what it started', async () => {
    // Node 1 is a real nats-server; the other two never start, so its JetStream finds no meta leader.
    const { dir, starts } = await play('alone');
    try {
      await expect(startNatsCluster({ dir, hromadas: ['alpha'], log: silentLogger(), readyTimeoutMs: 3_000 })).rejects.toThrow(
        /^nats-server merezha-1 not ready after 3 s \(\/healthz: JetStream .+\); see .*merezha-1\.log$/,
      );
      expect(await starts()).toBe(3);
      const running = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
      expect(running).not.toContain(join(dir, 'config'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
