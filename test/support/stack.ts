/**
 * The whole product for a test: `startStack` (simulated devices, influxd,
 * state engine and alerts, dashboard server, collector) as `merezha start`
 * runs it, with every data path in a fresh temp dir and a test influxd on
 * free loopback ports. `stop()` takes it all down and removes the temp dirs;
 * it is safe in afterAll even after a failed start.
 *
 * `demoConfigOnFreeAddresses()` is the demo hromada of config/example.yaml
 * moved to a second loopback octet (and service ports) nothing else uses, so
 * a test never shares its simulated agents' addresses with another test or a
 * running demo.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger, type Logger } from '../../common/log.ts';
import { loadConfig } from '../../config/load.ts';
import type { Config } from '../../config/schema.ts';
import { startStack, type Stack } from '../../app/stack.ts';
import { scenarioFromConfig } from '../../simulator/index.ts';
import { startTestInfluxd, type TestInfluxd } from './influxd.ts';
import { freeTcpPorts } from './ports.ts';

export const STACK_ADMIN_PASSWORD = 'admin-pass-for-e2e-tests';
export const EXAMPLE_CONFIG = fileURLToPath(new URL('../../config/example.yaml', import.meta.url));

export interface TestStack {
  /** Undefined until the start went through (or when it failed). */
  stack: Stack | undefined;
  influxd: TestInfluxd | undefined;
  /** The temp dir holding managed_dir, spool_dir, data_dir and backup.dir. */
  dir: string;
  adminPassword: string;
  /** Stops the stack, influxd and removes the temp dir. Safe to call twice and after a failed start. */
  stop(): Promise<void>;
}

export interface TestStackOptions {
  adminPassword?: string;
  log?: Logger;
  /** Simulate the config's devices (without scripted faults); true by default. */
  simulate?: boolean;
}

/**
 * Starts the product on `config` (a copy of it, with its data paths in a temp dir).
 * The returned handle is filled in as the parts start: pass `handle` to keep a
 * reference that afterAll can stop even when this rejects.
 */
export async function startTestStack(config: Config, options: TestStackOptions = {}, handle?: (t: TestStack) => void): Promise<Stack> {
  const adminPassword = options.adminPassword ?? STACK_ADMIN_PASSWORD;
  const dir = await mkdtemp(join(tmpdir(), 'merezha-stack-'));
  let stopping: Promise<void> | undefined;
  const t: TestStack = {
    stack: undefined,
    influxd: undefined,
    dir,
    adminPassword,
    stop: () =>
      (stopping ??= (async () => {
        const errors: unknown[] = [];
        for (const step of [() => t.stack?.stop(), () => t.influxd?.dispose(), () => rm(dir, { recursive: true, force: true })]) {
          try {
            await step();
          } catch (err) {
            errors.push(err);
          }
        }
        if (errors.length > 0) throw errors[0];
      })()),
  };
  handle?.(t);
  const withDirs: Config = {
    ...config,
    storage: { ...config.storage, managed_dir: join(dir, 'influxdb'), spool_dir: join(dir, 'spool') },
    server: { ...config.server, data_dir: join(dir, 'server') },
    ...(config.backup ? { backup: { ...config.backup, dir: join(dir, 'backups') } } : {}),
  };
  t.influxd = await startTestInfluxd();
  t.stack = await startStack({
    config: withDirs,
    log: options.log ?? silentLogger(),
    version: 'test',
    ...(options.simulate === false ? {} : { simulate: scenarioFromConfig(withDirs) }),
    influxUrl: t.influxd.url,
    port: 0,
    adminPassword,
  });
  return t.stack;
}

/** Second octets of 127/8 that some local socket (UDP or TCP, IPv4) is bound to now. */
export function loopbackOctetsInUse(): Set<number> {
  const used = new Set<number>();
  for (const file of ['/proc/net/udp', '/proc/net/tcp']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      // local_address is "0100007F:0489": the IPv4 address in little-endian hex.
      const local = line.trim().split(/\s+/)[1];
      if (!local) continue;
      const hex = local.split(':')[0]!;
      if (hex.length !== 8) continue;
      const first = parseInt(hex.slice(6, 8), 16);
      const second = parseInt(hex.slice(4, 6), 16);
      if (first === 127) used.add(second);
    }
  }
  return used;
}

/** A random second octet in 150–249 that no local socket uses, for a simulated hromada on 127.<octet>.x.y. */
export function freeLoopbackOctet(): number {
  const used = loopbackOctetsInUse();
  for (let attempt = 0; attempt < 200; attempt++) {
    const octet = 150 + Math.floor(Math.random() * 100);
    if (!used.has(octet)) return octet;
  }
  throw new Error('no free 127.<150-249>.x.y block: every one has a socket bound in it');
}

/**
 * The demo hromada of config/example.yaml (villages Дмитрівка, Цибулеве,
 * Макариха, Іванківці) with every 127.0.x.y address moved to 127.<free octet>.x.y
 * and the simulated services on free ports. Names, villages and structure stay.
 */
export async function demoConfigOnFreeAddresses(file = EXAMPLE_CONFIG): Promise<Config> {
  // Empty environment: the config's ${VAR:-default} references take their defaults, whatever the caller's shell has.
  const config = loadConfig(file, {});
  const octet = freeLoopbackOctet();
  const move = (host: string) => {
    const m = /^127\.0\.(\d+)\.(\d+)$/.exec(host);
    if (!m) throw new Error(`demo address ${host} is not 127.0.x.y`);
    return `127.${octet}.${m[1]}.${m[2]}`;
  };
  const ports = await freeTcpPorts(config.services.length);
  const services = config.services.map((service, i) => {
    const port = String(ports[i]!);
    if (service.url) {
      const url = new URL(service.url);
      url.hostname = move(url.hostname);
      url.port = port;
      return { ...service, url: url.toString() };
    }
    if (service.tcp) {
      const host = service.tcp.slice(0, service.tcp.lastIndexOf(':'));
      return { ...service, tcp: `${move(host)}:${port}` };
    }
    return service;
  });
  return {
    ...config,
    villages: config.villages.map((village) => ({
      ...village,
      devices: village.devices.map((device) => ({ ...device, host: move(device.host) })),
    })),
    services,
  };
}
