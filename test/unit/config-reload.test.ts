/**
 * What a reload of the config changes (config/reload.ts), decided from the
 * running config and the file's: devices and services added, changed (their
 * state starts afresh), relabelled (it goes on) and removed; the sections
 * that move; and the settings that keep their running values until a restart.
 */
import { describe, expect, it } from 'vitest';
import { describeReload, planReload, RELOADABLE } from '../../config/reload.ts';
import { configSchema, type Config } from '../../config/schema.ts';
import { mergeConfig } from '../support/config.ts';

type Entry = Record<string, unknown>;
type Village = { id: string; name: string; devices: Entry[] };

const VILLAGES: Village[] = [
  {
    id: 'north',
    name: 'Макариха',
    devices: [
      { id: 'uplink', kind: 'uplink', provider: 'isp', host: '127.0.70.1', snmp: { credential: 'v2', interface: 'ether1' } },
      { id: 'school', name: 'Школа', kind: 'institution', category: 'school', host: '127.0.70.2', parent: 'uplink' },
      { id: 'park-wifi', kind: 'wifi', vendor: 'mikrotik', host: '127.0.70.3', parent: 'uplink', snmp: { credential: 'v2' } },
    ],
  },
  { id: 'south', name: 'Дмитрівка', devices: [{ id: 'fibre', kind: 'uplink', host: '127.0.71.1' }] },
];

const BASE: Entry = {
  hromada: { name: 'Тестова громада' },
  snmp_credentials: { v2: { version: '2c', community: 'public' }, other: { version: '2c', community: 'private' } },
  providers: [{ id: 'isp', name: 'Укртелеком' }],
  services: [{ id: 'website', name: 'Сайт', url: 'https://127.0.72.1/' }],
};

/** The base config with its villages passed through `edit` and other sections laid over, as a file would give it. */
function file(edit: (villages: Village[]) => Village[] = (v) => v, more: Entry = {}): Config {
  return configSchema.parse(mergeConfig<Entry>({ ...BASE, villages: edit(structuredClone(VILLAGES)) }, more));
}

/** The base config with its first device (the uplink) passed through `edit`. */
const withUplink = (edit: (d: Entry) => Entry) =>
  file(([north, south]) => [{ ...north!, devices: [edit(north!.devices[0]!), ...north!.devices.slice(1)] }, south!]);

const running = file();

const NONE = { added: [], changed: [], relabelled: [], removed: [] };

describe('planReload', () => {
  it('finds nothing to do in the same file, and says so', () => {
    const plan = planReload(running, file());
    expect(plan).toEqual({ config: running, devices: NONE, services: NONE, sections: [], restart: [] });
    expect(describeReload(plan)).toBe('nothing changed');
  });

  it('tells added, changed, relabelled and removed devices apart', () => {
    const next = file(([north, south]) => [
      {
        ...north!,
        devices: [
          { ...north!.devices[0], name: 'Макариха, Укртелеком' },
          { ...north!.devices[1], host: '127.0.70.22' },
          { id: 'clinic', kind: 'institution', category: 'clinic', host: '127.0.70.4', parent: 'uplink' },
        ],
      },
      south!,
    ]);
    const plan = planReload(running, next);
    expect(plan.devices).toEqual({ added: ['clinic'], changed: ['school'], relabelled: ['uplink'], removed: ['park-wifi'] });
    expect(plan.services).toEqual(NONE);
    expect(plan.sections).toEqual(['villages']);
    expect(plan.config.villages).toEqual(next.villages);
    expect(describeReload(plan)).toBe(
      'devices 1 added, 1 changed, 1 relabelled, 1 removed; services unchanged; sections changed: villages',
    );
  });

  it('counts as changed (state afresh) what is polled or placed differently, and as relabelled what people read', () => {
    const changed: Array<[string, (d: Entry) => Entry]> = [
      ['host', (d) => ({ ...d, host: '127.0.70.9' })],
      ['interface', (d) => ({ ...d, snmp: { credential: 'v2', interface: 'ether2' } })],
      ['credential', (d) => ({ ...d, snmp: { credential: 'other', interface: 'ether1' } })],
      ['snmp port', (d) => ({ ...d, snmp: { credential: 'v2', interface: 'ether1', port: 1161 } })],
      ['ping', (d) => ({ ...d, ping: false })],
      ['kind', (d) => ({ ...d, kind: 'wifi' })],
      ['provider', ({ provider: _, ...d }) => d],
    ];
    for (const [what, edit] of changed) {
      expect(planReload(running, withUplink(edit)).devices, what).toEqual({ ...NONE, changed: ['uplink'] });
    }
    const relabelled: Array<[string, (d: Entry) => Entry]> = [
      ['name', (d) => ({ ...d, name: 'Інша назва' })],
      ['bandwidth', (d) => ({ ...d, bandwidth_mbps: 100 })],
      ['install date', (d) => ({ ...d, installed: '2024-05-01' })],
      ['public', (d) => ({ ...d, public: true })],
    ];
    for (const [what, edit] of relabelled) {
      expect(planReload(running, withUplink(edit)).devices, what).toEqual({ ...NONE, relabelled: ['uplink'] });
    }
  });

  it('sees a device moved to another village as changed, and its old village renamed as relabelling the rest', () => {
    const moved = file(([north, south]) => [
      { ...north!, devices: north!.devices.filter((d) => d.id !== 'park-wifi') },
      { ...south!, devices: [...south!.devices, { ...north!.devices[2], parent: 'fibre' }] },
    ]);
    expect(planReload(running, moved).devices).toEqual({ ...NONE, changed: ['park-wifi'] });
    const renamed = file(([north, south]) => [{ ...north!, name: 'Нова Макариха' }, south!]);
    expect(planReload(running, renamed).devices).toEqual({ ...NONE, relabelled: ['uplink', 'school', 'park-wifi'] });
  });

  it('changes the devices of a credential whose keys change, and the devices of a renamed provider only in name', () => {
    const keys = file(undefined, { snmp_credentials: { v2: { version: '2c', community: 'new-community' } } });
    expect(planReload(running, keys).devices).toEqual({ ...NONE, changed: ['uplink', 'park-wifi'] });
    const provider = file(undefined, { providers: [{ id: 'isp', name: 'Укртелеком (оптика)' }] });
    expect(planReload(running, provider).devices).toEqual({ ...NONE, relabelled: ['uplink'] });
    expect(planReload(running, provider).sections).toEqual(['providers']);
  });

  it('tells services apart the same way', () => {
    const next = file(undefined, {
      services: [
        { id: 'website', name: 'Сайт', url: 'https://127.0.72.2/' },
        { id: 'mail', name: 'Пошта', tcp: '127.0.72.3:25' },
      ],
    });
    expect(planReload(running, next).services).toEqual({ ...NONE, added: ['mail'], changed: ['website'] });
    const renamed = file(undefined, { services: [{ id: 'website', name: 'Сайт громади', url: 'https://127.0.72.1/' }] });
    expect(planReload(running, renamed).services).toEqual({ ...NONE, relabelled: ['website'] });
  });

  it('takes polling, states and alerts from the file, and a removed optional setting too', () => {
    const quiet = file(undefined, { alerts: { quiet_hours: { from: '22:00', to: '07:00' } } });
    const next = file(undefined, { polling: { ping: { interval: '5s' } }, states: { down_after: 3 } });
    const plan = planReload(quiet, next);
    expect(plan.config.polling.ping.interval).toBe(5_000);
    expect(plan.config.states.down_after).toBe(3);
    expect(plan.config.alerts).toEqual(next.alerts);
    expect('quiet_hours' in plan.config.alerts).toBe(false);
    expect(plan.sections).toEqual(['polling', 'states', 'alerts']);
    expect(plan.restart).toEqual([]);
  });

  it('keeps the running value of every setting that needs a restart, and names each one', () => {
    const next = file(undefined, {
      hromada: { name: 'Нова назва', timezone: 'Europe/Warsaw' },
      storage: { spool_dir: '/elsewhere/spool', retention: { raw: '60d' } },
      server: { port: 9000 },
      polling: { concurrency: 50, snmp: { timeout: '3s' } },
      alerts: { dashboard_url: 'https://merezha.example.gov.ua/' },
    });
    const plan = planReload(running, next);
    expect(plan.restart).toEqual([
      'hromada.timezone',
      'storage.spool_dir',
      'storage.retention',
      'polling.concurrency',
      'alerts.dashboard_url',
      'server.port',
    ]);
    expect(plan.config.hromada).toEqual({ ...running.hromada, name: 'Нова назва' });
    expect(plan.config.storage).toEqual(running.storage);
    expect(plan.config.server).toEqual(running.server);
    expect(plan.config.polling).toEqual({ ...running.polling, snmp: { ...running.polling.snmp, timeout: 3_000 } });
    expect(plan.config.alerts.dashboard_url).toBeUndefined();
    expect(plan.sections).toEqual(['hromada', 'polling']);
    expect(describeReload(plan)).toBe(
      'devices unchanged; services unchanged; sections changed: hromada, polling; ' +
        'needs a restart (running values kept): hromada.timezone, storage.spool_dir, storage.retention, polling.concurrency, alerts.dashboard_url, server.port',
    );
  });

  it('needs a restart for a section it does not know, rather than taking it half', () => {
    const withExtra = { ...running, extra: { a: 1 } } as Config;
    const plan = planReload(running, withExtra);
    expect(plan.restart).toEqual(['extra']);
    expect('extra' in plan.config).toBe(false);
  });

  it('lists only settings that exist in the schema', () => {
    // Optional keys the running config leaves out.
    const optional: readonly string[] = ['$schema', 'alerts.quiet_hours', 'backup'];
    for (const path of RELOADABLE.filter((p) => !optional.includes(p))) {
      expect(
        path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], running),
        path,
      ).toBeDefined();
    }
  });
});
