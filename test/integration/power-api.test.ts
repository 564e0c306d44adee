/**
 * The power routes in-process, on the real parts behind them: the monitor's
 * power tracker fed UPS readings as the power probe reads them, a schedule
 * store that imports a CSV into its file, and the dashboard's device states.
 * Every answer is checked against its schema, as the web reads it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PowerReading } from '../../common/api.ts';
import { invincibilityResponse, powerResponse } from '../../common/api.ts';
import { zonedTimeToUtc } from '../../common/timezone.ts';
import { silentLogger } from '../../common/log.ts';
import { observationOf } from '../../collector/collector.ts';
import { powerProbe, powerTargets } from '../../collector/probes/power.ts';
import { parseScheduleCsv } from '../../server/power/schedule.ts';
import { ScheduleStore } from '../../server/power/schedule-store.ts';
import { ADMIN_PASSWORD, apiHarness, apiTestConfigInput, type ApiHarness } from '../support/api.ts';
import { MemorySink } from '../support/memory-sink.ts';

const KYIV = 'Europe/Kyiv';
/** The harness's clock starts at 12:00 in Kyiv on 15 June 2026. */
const kyiv = (day: number, hour: number, minute = 0) => zonedTimeToUtc({ year: 2026, month: 6, day, hour, minute }, KYIV);

/** Зелене on queue 3.1 with a UPS feeding its fibre uplink and school; the school and Ясне's library are Invincibility Points. */
function villages() {
  return apiTestConfigInput('unused').villages.map((v) => {
    if (v.id === 'zelene') {
      return {
        ...v,
        power_group: '3.1',
        devices: [
          ...(v.devices ?? []).map((d) =>
            d.id === 'zelene-school'
              ? { ...d, invincibility_point: true, backup_power: 'ups' as const, backup_link: 'mobile' as const }
              : d,
          ),
          {
            id: 'zelene-ups',
            name: 'ДБЖ, Зелене',
            kind: 'ups' as const,
            vendor: 'ups-mib' as const,
            host: '127.0.50.9',
            snmp: { credential: 'v2' },
            powers: ['zelene-uplink', 'zelene-backup', 'zelene-school'],
          },
        ],
      };
    }
    return { ...v, devices: (v.devices ?? []).map((d) => (d.id === 'yasne-library' ? { ...d, invincibility_point: true } : d)) };
  });
}

const MAINS: PowerReading = {
  source: 'mains',
  on_battery: false,
  seconds_on_battery: 0,
  battery_pct: 100,
  minutes_left: null,
  input_voltage: 229,
  battery_status: 'normal',
};
const ON_BATTERY: PowerReading = {
  source: 'battery',
  on_battery: true,
  seconds_on_battery: 120,
  battery_pct: 71,
  minutes_left: 23,
  input_voltage: 0,
  battery_status: 'normal',
};

let h: ApiHarness;
let store: ScheduleStore;
let cookie: string;

beforeEach(async () => {
  h = await apiHarness({ extra: { villages: villages() } });
  store = new ScheduleStore({ config: h.config, log: silentLogger(), sink: new MemorySink(), now: () => h.clock.now });
  await store.start();
  // As app/stack.ts hands them to the dashboard server.
  h.services.power = { snapshot: () => h.monitor.power.snapshot(), schedule: () => store.current() };
  cookie = (await h.signIn('admin', ADMIN_PASSWORD)).cookie;
});
afterEach(async () => {
  await store.stop();
  await h.close();
});

/** One answer of the UPS, as the collector hands the power probe's result on. */
function ups(power: PowerReading) {
  h.clock.now += 1000;
  const target = powerTargets(h.config).find((t) => t.device.id === 'zelene-ups')!;
  const observation = observationOf(powerProbe, target, { ok: true, response_ms: 4, power, warnings: [] }, h.clock.now);
  h.monitor.onObservation(observation);
  h.dashboard.onObservation(observation);
}

async function get<T>(url: string, schema: { parse(body: unknown): T }): Promise<T> {
  const res = await h.request({ method: 'GET', url, headers: { cookie } });
  expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
  return schema.parse(res.json());
}

async function importCsv(rows: string[]) {
  const parsed = parseScheduleCsv(['group,start,end', ...rows].join('\n'), { timezone: KYIV });
  if ('problems' in parsed) throw new Error(parsed.problems.join('\n'));
  await store.import(parsed, 'grafik.csv');
}

describe('GET /api/power', () => {
  it('knows nothing before the UPS answers and a schedule comes: unknown, no slots', async () => {
    const power = await get('/api/power', powerResponse);
    expect(power.schedule).toBeNull();
    expect(power.villages.map((v) => [v.id, v.group, v.state, v.slots.today.length])).toEqual([
      ['zelene', '3.1', 'unknown', 0],
      ['yasne', null, 'unknown', 0],
    ]);
  });

  it('shows the village on battery with minutes left, and today’s and tomorrow’s slots of its queue', async () => {
    ups(MAINS);
    expect((await get('/api/power', powerResponse)).villages[0]).toMatchObject({ state: 'mains', minutes_left: null });

    await importCsv([
      '3.1,2026-06-15 11:00,2026-06-15 15:00',
      '3.1,2026-06-15 22:00,2026-06-16 01:00',
      '4.1,2026-06-16 08:00,2026-06-16 12:00',
    ]);
    ups(ON_BATTERY);
    const power = await get('/api/power', powerResponse);
    expect(power.schedule).toMatchObject({ source: 'csv' });
    const zelene = power.villages.find((v) => v.id === 'zelene')!;
    expect(zelene).toMatchObject({ group: '3.1', state: 'battery', minutes_left: 23, supply: 'zelene-ups' });
    expect(zelene.since).toBeLessThanOrEqual(h.clock.now);
    expect(zelene.slots).toEqual({
      today: [
        { start: kyiv(15, 11), end: kyiv(15, 15), kind: 'definite' },
        { start: kyiv(15, 22), end: kyiv(16, 0), kind: 'definite' },
      ],
      tomorrow: [{ start: kyiv(16, 0), end: kyiv(16, 1), kind: 'definite' }],
    });
    expect(zelene.covered).toEqual({ today: true, tomorrow: true });
    expect(power.supplies).toEqual([
      {
        device: 'zelene-ups',
        name: 'ДБЖ, Зелене',
        village: 'zelene',
        state: 'battery',
        source: 'battery',
        since: zelene.since,
        minutes_left: 23,
        battery_pct: 71,
        input_voltage: 0,
        feeds: ['zelene-uplink', 'zelene-backup', 'zelene-school'],
      },
    ]);

    ups(MAINS);
    expect((await get('/api/power', powerResponse)).villages[0]).toMatchObject({ state: 'mains', minutes_left: null });
  });

  it('answers without a tracker or schedule (a process started without them) with every state unknown', async () => {
    delete h.services.power;
    const power = await get('/api/power', powerResponse);
    expect(power.supplies).toEqual([]);
    expect(power.villages.every((v) => v.state === 'unknown' && v.slots.today.length === 0)).toBe(true);
  });

  it('is for signed-in users only', async () => {
    for (const url of ['/api/power', '/api/invincibility-points']) {
      expect((await h.request({ method: 'GET', url })).statusCode, url).toBe(401);
    }
  });
});

describe('GET /api/invincibility-points', () => {
  it('says which points keep internet in the blackout, on which power and links, and what the others lack', async () => {
    // The library never answers: not online, whatever its power.
    for (const id of ['zelene-uplink', 'zelene-backup', 'zelene-school', 'yasne-uplink']) h.ping(id, true);
    h.ping('zelene-backup', false);
    ups(ON_BATTERY);

    const { summary, points } = await get('/api/invincibility-points', invincibilityResponse);
    expect(summary).toEqual({ total: 2, in_blackout: 1, online_in_blackout: 1, lacking: 1 });
    expect(points[0]).toMatchObject({
      id: 'zelene-school',
      name: 'Зеленівська гімназія',
      village: 'zelene',
      state: 'up',
      power: { state: 'battery', minutes_left: 23, supply: 'zelene-ups' },
      backup_power: 'ups',
      backup_link: 'mobile',
      links: [
        { id: 'zelene-uplink', name: 'Зелене, оптика', kind: 'uplink', state: 'up' },
        { id: 'zelene-backup', name: 'Зелене, 4G', kind: 'uplink', state: 'down' },
      ],
      online: true,
      in_blackout: true,
      meets_requirement: true,
      lacks: [],
    });
    expect(points[1]).toMatchObject({
      id: 'yasne-library',
      state: 'unknown',
      power: { state: 'unknown', supply: null },
      links: [{ id: 'yasne-uplink', state: 'up' }],
      online: false,
      in_blackout: false,
      meets_requirement: false,
      lacks: ['backup_power', 'backup_link'],
    });
  });

  it('puts a point in a blackout by its queue’s slot alone, where no supply says so', async () => {
    await importCsv(['3.1,2026-06-15 11:00,2026-06-15 15:00']);
    const { points } = await get('/api/invincibility-points', invincibilityResponse);
    expect(points.find((p) => p.id === 'zelene-school')).toMatchObject({ power: { state: 'unknown' }, in_blackout: true });
    h.clock.now = kyiv(15, 15, 30);
    h.ping('zelene-school', true);
    const later = await get('/api/invincibility-points', invincibilityResponse);
    expect(later.points.find((p) => p.id === 'zelene-school')).toMatchObject({ in_blackout: false });
  });
});
