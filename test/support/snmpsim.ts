/**
 * Serves recorded walks of real devices (`test/fixtures/snmprec/*.snmprec`,
 * origins in its SOURCES.md) with Debian's `snmpsimd` (snmpsim 0.4.5), one
 * process for all the recordings a test asks for: each recording answers
 * SNMPv1 and v2c under the community that is its base name.
 *
 * Each start has its own temp dir (data + cache) and its own free UDP port, so
 * test files may start several at once. Readiness is a real GET of sysDescr;
 * dispose() stops the daemon, waits for it and removes the dir, also after a
 * failed start.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { netSnmpClientFactory } from '../../collector/snmp/client.ts';
import { freeUdpPort } from './ports.ts';

export const RECORDINGS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/snmprec');

export interface Snmpsim {
  address: string;
  port: number;
  dispose(): Promise<void>;
}

const READY_WITHIN_MS = 20_000;
/** Tries with a new port when another process took the one we picked. */
const PORT_ATTEMPTS = 3;

/** Serves the named recordings (base names without .snmprec) on address:port (free UDP port); each recording's community is its base name (v2c, and v1). */
export async function startSnmpsim(options: { address?: string; recordings: string[]; port?: number }): Promise<Snmpsim> {
  const address = options.address ?? '127.0.0.1';
  if (!/^127\.\d+\.\d+\.\d+$/.test(address)) throw new Error(`snmpsim serves loopback only, not ${address}`);
  if (options.recordings.length === 0) throw new Error('startSnmpsim needs at least one recording');

  const dir = await mkdtemp(join(tmpdir(), 'merezha-snmpsim-'));
  let child: ChildProcess | undefined;

  async function stop(): Promise<void> {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((done) => c.once('exit', () => done()));
    c.kill('SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  async function dispose(): Promise<void> {
    await stop();
    await rm(dir, { recursive: true, force: true });
  }

  try {
    // As root snmpsimd drops to nobody:nogroup, who must read the data and
    // write the cache (mkdtemp makes the dir 0700).
    const dataDir = join(dir, 'data');
    const cacheDir = join(dir, 'cache');
    await mkdir(dataDir);
    await mkdir(cacheDir);
    await chmod(dir, 0o755);
    await chmod(dataDir, 0o755);
    await chmod(cacheDir, 0o777);
    for (const name of options.recordings) {
      if (!/^[\w.-]+$/.test(name)) throw new Error(`bad recording name ${JSON.stringify(name)}`);
      const target = join(dataDir, `${name}.snmprec`);
      await copyFile(join(RECORDINGS_DIR, `${name}.snmprec`), target);
      await chmod(target, 0o644);
    }

    const asRoot = process.getuid?.() === 0;
    let lastError: unknown;
    for (let attempt = 0; attempt < (options.port ? 1 : PORT_ATTEMPTS); attempt++) {
      const port = options.port ?? (await freeUdpPort(address));
      const args = [
        `--data-dir=${dataDir}`,
        `--cache-dir=${cacheDir}`,
        `--agent-udpv4-endpoint=${address}:${port}`,
        '--logging-method=stderr',
        ...(asRoot ? ['--process-user=nobody', '--process-group=nogroup'] : []),
      ];
      let output = '';
      const c = spawn('snmpsimd', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      child = c;
      c.stdout!.on('data', (d) => (output = (output + d).slice(-20_000)));
      c.stderr!.on('data', (d) => (output = (output + d).slice(-20_000)));
      const spawnError = new Promise<never>((_, reject) => c.once('error', reject));
      spawnError.catch(() => {});
      try {
        await Promise.race([waitReady(c, address, port, options.recordings[0]!, () => output), spawnError]);
        return { address, port, dispose };
      } catch (err) {
        lastError = err;
        await stop();
        // Only a port someone else took is worth another try.
        if (!/Address already in use|bind/i.test(output)) break;
      }
    }
    throw lastError;
  } catch (err) {
    await dispose();
    throw err;
  }
}

async function waitReady(c: ChildProcess, address: string, port: number, community: string, output: () => string): Promise<void> {
  const deadline = Date.now() + READY_WITHIN_MS;
  while (Date.now() < deadline) {
    if (c.exitCode !== null || c.signalCode !== null) {
      // It follows a startup error with its whole usage text.
      throw new Error(`snmpsimd exited (${c.exitCode ?? c.signalCode}): ${output().replace(/\s*Usage:[\s\S]*$/, '')}`);
    }
    const client = netSnmpClientFactory({ host: address, port, credential: { version: '2c', community }, timeoutMs: 300, retries: 0 });
    try {
      const [descr] = await client.get(['1.3.6.1.2.1.1.1.0']);
      if (descr && !('missing' in descr)) return;
    } catch {
      // not listening yet
    } finally {
      client.close();
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`snmpsimd did not answer on ${address}:${port} within ${READY_WITHIN_MS / 1000} s: ${output()}`);
}
