/**
 * Runs a real Net-SNMP agent (Debian `snmpd`) for tests: v1/v2c community,
 * an SNMPv3 authPriv user, fixed vendor OIDs via `override`, listening on one
 * or more loopback addresses on a free UDP port, in a temp dir. Readiness is
 * polled with a real GET; stop() waits for the process to go.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { netSnmpClientFactory } from '../../collector/snmp/client.ts';
import { freeUdpPort } from './ports.ts';

/** SNMPv3 users every test agent knows, one per security level and protocol pair. */
export const TEST_V3_USERS = {
  shaAes: { user: 'monitorv3', level: 'priv', auth: 'SHA', authKey: 'merezha-auth-key', priv: 'AES', privKey: 'merezha-priv-key' },
  md5Des: { user: 'legacyv3', level: 'priv', auth: 'MD5', authKey: 'legacy-auth-key', priv: 'DES', privKey: 'legacy-priv-key' },
  authOnly: { user: 'authonly', level: 'auth', auth: 'SHA', authKey: 'authonly-key-123' },
  noAuth: { user: 'noauth', level: 'noauth' },
} as const;

export interface SnmpdOptions {
  addresses: string[];
  community?: string;
  sysName?: string;
  /** `override OID TYPE VALUE` lines, e.g. ['1.3.6.1.4.1.11863.10.1.1.1.0', 'integer', 9]. */
  overrides?: [oid: string, type: string, value: string | number][];
  port?: number;
}

export interface Snmpd {
  port: number;
  dir: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops the agent and removes its temp dir. */
  dispose(): Promise<void>;
}

export async function startSnmpd(options: SnmpdOptions): Promise<Snmpd> {
  const dir = await mkdtemp(join(tmpdir(), 'merezha-snmpd-'));
  await mkdir(join(dir, 'persist'));
  const port = options.port ?? (await freeUdpPort(options.addresses[0]!));
  const community = options.community ?? 'public';
  const users = Object.values(TEST_V3_USERS).flatMap((u) => [
    `rouser ${u.user} ${u.level}`,
    `createUser ${u.user}${'auth' in u ? ` ${u.auth} ${u.authKey}` : ''}${'priv' in u ? ` ${u.priv} ${u.privKey}` : ''}`,
  ]);
  const conf = [
    `[snmp] persistentDir ${join(dir, 'persist')}`,
    `rocommunity ${community} 127.0.0.0/8`,
    ...users,
    `sysName ${options.sysName ?? 'merezha-test-agent'}`,
    'sysDescr Merezha test agent (Net-SNMP)',
    'master no',
    'dontLogTCPWrappersConnects yes',
    ...(options.overrides ?? []).map(([oid, type, value]) => `override ${oid} ${type} ${value}`),
  ].join('\n');
  const confPath = join(dir, 'snmpd.conf');
  await writeFile(confPath, `${conf}\n`);

  let child: ChildProcess | undefined;
  let output = '';

  async function start(): Promise<void> {
    const listen = options.addresses.map((a) => `udp:${a}:${port}`).join(',');
    child = spawn('snmpd', ['-f', '-Lo', '-C', '-m', '', '-c', confPath, '-p', join(dir, 'pid'), listen], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, SNMP_PERSISTENT_DIR: join(dir, 'persist'), MIBS: '' },
    });
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    await waitReady();
  }

  async function waitReady(): Promise<void> {
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (child?.exitCode !== null) throw new Error(`snmpd exited: ${output}`);
      const client = netSnmpClientFactory({
        host: options.addresses[0]!,
        port,
        credential: { version: '2c', community },
        timeoutMs: 200,
        retries: 0,
      });
      try {
        await client.get(['1.3.6.1.2.1.1.3.0']);
        return;
      } catch {
        // not listening yet
      } finally {
        client.close();
      }
    }
    throw new Error(`snmpd did not answer within 15 s: ${output}`);
  }

  async function stop(): Promise<void> {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    c.kill('SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  await start();
  return {
    port,
    dir,
    start,
    stop,
    async dispose() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
