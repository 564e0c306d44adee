/**
 * A kill -9 in the middle of an outage changes nothing: `merezha start` runs
 * as a user runs it (a spawned process, with its InfluxDB given by
 * INFLUX_URL), the simulated village in this test process goes dark, the
 * alert goes out on all three channels; then the process is killed with
 * SIGKILL and started again while the outage lasts, and the village comes
 * back. Checked: one alert and one recovery per channel, one stored outage
 * with the start from before the kill and the end from after it, and no
 * secret in the log. Short intervals here (ping every second): the point is
 * the restart, not the latency at default settings (see alerts.test.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/log.ts';
import { loadConfig } from '../../config/load.ts';
import { startSimulation, type Simulation } from '../../simulator/index.ts';
import { startAlertReceivers, type AlertReceivers } from '../support/alert-receivers.ts';
import { queryInflux, readPoints, startTestInfluxd, waitFor, type TestInfluxd } from '../support/influxd.ts';
import { nftUnavailable } from '../support/nft.ts';
import { freeUdpPort } from '../support/ports.ts';

const BIN = new URL('../../bin/merezha.mjs', import.meta.url).pathname;
const DB = 'merezha';
const noNft = nftUnavailable();
const net = `127.${150 + Math.floor(Math.random() * 50)}.${1 + Math.floor(Math.random() * 250)}`;
const host = (n: number) => `${net}.${n}`;
const secrets = { WEBHOOK_SECRET: 'restart-webhook-secret-41', TG_TOKEN: '987654:restart-bot-token-42' };
const CHILDREN = ['tsybuleve-school', 'tsybuleve-club'];

let influxd: TestInfluxd;
let receivers: AlertReceivers;
let dir: string;
let configPath: string;
let sim: Simulation;

interface Run {
  child: ChildProcess;
  log: () => string;
  exited: Promise<number | null>;
}
const runs: Run[] = [];

function start(): Run {
  const child = spawn(process.execPath, [BIN, 'start', '--config', configPath], {
    env: { ...process.env, ...secrets, INFLUX_URL: influxd.url, MEREZHA_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr!.on('data', (d) => (log += d));
  const run = { child, log: () => log, exited: new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code))) };
  runs.push(run);
  return run;
}

const count = async (influxql: string): Promise<number> => {
  try {
    const rows = await queryInflux(influxd.url, influxql, DB);
    return Number(Object.entries(rows[0] ?? {}).find(([k]) => k.startsWith('count'))?.[1] ?? 0);
  } catch {
    return 0; // the database is not there yet
  }
};

beforeAll(async () => {
  if (noNft) return;
  [influxd, receivers, dir] = await Promise.all([
    startTestInfluxd(),
    startAlertReceivers({ webhookSecret: secrets.WEBHOOK_SECRET }),
    mkdtemp(join(tmpdir(), 'merezha-alerts-restart-')),
  ]);
  const port = await freeUdpPort(host(1));
  configPath = join(dir, 'hromada.yaml');
  await writeFile(
    configPath,
    `hromada: { name: Дмитрівська сільська громада }
storage:
  spool_dir: ${join(dir, 'spool')}
  managed_dir: ${join(dir, 'influxdb')}
  flush_interval: 200ms
server: { data_dir: ${join(dir, 'server')} }
polling:
  ping: { interval: 1s, count: 1, timeout: 300ms }
  snmp: { interval: 2s, timeout: 500ms, retries: 0 }
states: { down_after: 2, up_after: 2, recheck: 300ms }
snmp_credentials:
  v2: { version: 2c, community: public }
providers:
  - { id: prostonet, name: ProstoNet }
villages:
  - id: tsybuleve
    name: Цибулеве
    devices:
      - { id: tsybuleve-uplink, name: "Цибулеве, оптика ProstoNet", kind: uplink, provider: prostonet, host: ${host(1)}, snmp: { credential: v2, port: ${port}, interface: ether1 } }
      - { id: tsybuleve-school, name: Цибулівська гімназія, kind: institution, category: school, host: ${host(10)}, parent: tsybuleve-uplink, snmp: { credential: v2, port: ${port} } }
      - { id: tsybuleve-club, name: Сільський клуб, kind: institution, category: culture, host: ${host(12)}, parent: tsybuleve-uplink }
alerts:
  channels:
    - { id: it-webhook, type: webhook, url: "${receivers.webhookUrl}", secret: "\${WEBHOOK_SECRET}" }
    - { id: it-telegram, type: telegram, bot_token: "\${TG_TOKEN}", chat_id: "-100123", api_url: "${receivers.telegramApiUrl}" }
    - { id: it-email, type: email, smtp: "${receivers.smtpUrl}", from: "merezha@example.gov.ua", to: ["it@example.gov.ua"] }
  rules:
    - { on: [down, recovered, village_offline, flapping], channels: [it-webhook, it-telegram, it-email] }
  delivery: { backoff: 200ms, max_backoff: 1s }
`,
  );
  sim = await startSimulation({ config: loadConfig(configPath, secrets), name: 'restart' }, { log: silentLogger(), useNft: true });
}, 60_000);

afterAll(async () => {
  for (const run of runs) {
    if (run.child.exitCode === null && run.child.signalCode === null) {
      run.child.kill('SIGKILL');
      await run.exited;
    }
  }
  await sim?.stop();
  await receivers?.close();
  await influxd?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const downs = () => ({
  webhook: receivers.webhooks.filter((w) => w.body.event === 'down'),
  telegram: receivers.telegrams.filter((t) => t.text.startsWith('Село Цибулеве без зв’язку')),
  mail: receivers.mails.filter((m) => m.event === 'down'),
});
const recoveries = () => ({
  webhook: receivers.webhooks.filter((w) => w.body.event === 'recovered'),
  telegram: receivers.telegrams.filter((t) => t.text.startsWith('Село Цибулеве знову на зв’язку')),
  mail: receivers.mails.filter((m) => m.event === 'recovered'),
});
const onAll = (got: () => { webhook: unknown[]; telegram: unknown[]; mail: unknown[] }) => () => {
  const g = got();
  return g.webhook.length > 0 && g.telegram.length > 0 && g.mail.length > 0;
};

describe.skipIf(noNft)('merezha start, killed with SIGKILL in the middle of an outage', () => {
  let silencedAt: number;
  let backAt: number;

  it('alerts the outage, is killed, restarts, and alerts the recovery once', async () => {
    const first = start();
    await waitFor(
      'the first run to see every device up',
      async () => (await count(`SELECT count("to") FROM "events"."transition" WHERE "to" = 'up'`)) >= 3,
      30_000,
    );

    silencedAt = Date.now();
    const fault = sim.inject('tsybuleve-uplink', { type: 'outage' });
    await waitFor('the outage alert on all three channels', onAll(downs), 15_000);
    // Killed only once the deliveries are in the alert log: a kill between a delivery and its record would re-send it.
    await waitFor(
      'the three deliveries to be recorded',
      async () => (await count(`SELECT count("ok") FROM "events"."delivery" WHERE "ok" = 1`)) >= 3,
    );
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe(null);

    const restartedAt = Date.now();
    const second = start();
    await waitFor('the second run to restore its state', () => second.log().includes('state restored from the event store'), 30_000);
    const restored = JSON.parse(
      second
        .log()
        .split('\n')
        .find((l) => l.includes('state restored from the event store'))!,
    );
    expect(restored.openOutages).toEqual(['tsybuleve-uplink']);
    // It polls the dark village a few times before it comes back: no new alert for what was already alerted.
    await waitFor(
      'a few polls of the silent uplink by the second run',
      async () =>
        (await count(`SELECT count("reachable") FROM "ping" WHERE "device" = 'tsybuleve-uplink' AND time > ${restartedAt}ms`)) >= 3,
      30_000,
    );
    expect(downs().webhook).toHaveLength(1);

    backAt = Date.now();
    fault.end();
    await waitFor('the recovery on all three channels', onAll(recoveries), 15_000);
    await waitFor(
      'all six deliveries to be recorded',
      async () => (await count(`SELECT count("ok") FROM "events"."delivery" WHERE "ok" = 1`)) >= 6,
    );
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);

    for (const run of runs) {
      for (const secret of Object.values(secrets)) expect(run.log()).not.toContain(secret);
    }
  });

  it('sent exactly one alert and one recovery per channel, naming the village and the devices behind the uplink', () => {
    expect(receivers.webhooks.map((w) => w.body.event)).toEqual(['down', 'recovered']);
    expect(receivers.telegrams).toHaveLength(2);
    expect(receivers.mails.map((m) => m.event)).toEqual(['down', 'recovered']);
    const [down, up] = receivers.webhooks;
    expect(down!.signatureValid).toBe(true);
    expect(down!.body).toMatchObject({
      event: 'down',
      village: 'tsybuleve',
      village_name: 'Цибулеве',
      device: 'tsybuleve-uplink',
      unreachable: CHILDREN,
      village_offline: true,
    });
    expect(down!.body.title).toBe('Село Цибулеве без зв’язку: Цибулеве, оптика ProstoNet');
    expect(up!.body).toMatchObject({ event: 'recovered', device: 'tsybuleve-uplink', since: down!.body.since, unreachable: CHILDREN });
    expect(up!.body.message).toContain('Знову відповідають: Цибулівська гімназія, Сільський клуб.');
    expect(receivers.telegrams.map((t) => t.token)).toEqual([secrets.TG_TOKEN, secrets.TG_TOKEN]);
  });

  it('stored one outage, with its start from before the kill and its end from after it', async () => {
    const outages = await readPoints(influxd, DB, 'outage');
    expect(outages).toHaveLength(1);
    const [outage] = outages;
    expect(outage!.tags.device).toBe('tsybuleve-uplink');
    expect(outage!.fields).toMatchObject({ open: 0, unreachable: CHILDREN.join(',') });
    expect(outage!.time).toBeGreaterThanOrEqual(silencedAt - 1_000);
    expect(outage!.time).toBeLessThanOrEqual(silencedAt + 2_000);
    const end = outage!.fields.end_ms as number;
    expect(end).toBeGreaterThanOrEqual(backAt - 1_000);
    expect(end).toBeLessThanOrEqual(backAt + 2_000);
    expect(new Date(outage!.time).toISOString()).toBe(receivers.webhooks[0]!.body.since);

    const alerts = await readPoints(influxd, DB, 'alert');
    expect(alerts.map((a) => a.fields.action)).toEqual(['open', 'close', 'close']);
    const transitions = await readPoints(influxd, DB, 'transition', `WHERE "device" = 'tsybuleve-uplink'`);
    expect(transitions.map((t) => `${t.fields.from}>${t.fields.to}`)).toEqual(['unknown>up', 'up>down', 'down>up']);
  });
});
