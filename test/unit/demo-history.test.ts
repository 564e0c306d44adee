import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load.ts';
import { buildInventory } from '../../server/inventory.ts';
import { demoHistory, demoPast, demoPowerPast } from '../../app/demo-history.ts';

const config = loadConfig(new URL('../../config/example.yaml', import.meta.url).pathname, {});
const inventory = buildInventory(config);
const range = { from: Date.UTC(2025, 11, 31, 22), to: Date.UTC(2026, 10, 22, 10) };

describe('the demo’s simulated past', () => {
  it('is the same every time for the same range, inside it, with no two outages of a subject overlapping', () => {
    const history = demoHistory(inventory, range);
    expect(demoHistory(inventory, range)).toEqual(history);
    for (const o of history) {
      expect(o.from).toBeGreaterThanOrEqual(range.from);
      expect(o.to).toBeLessThanOrEqual(range.to);
      expect(o.to).toBeGreaterThan(o.from);
      expect(inventory.subjects.has(o.subject)).toBe(true);
    }
    for (const key of inventory.order) {
      const own = history.filter((o) => o.subject === key);
      own.forEach((o, i) => i > 0 && expect(o.from).toBeGreaterThanOrEqual(own[i - 1]!.to));
    }
  });

  it('gives uplinks about one or two outages a month and keeps every subject mostly up', () => {
    const history = demoHistory(inventory, range);
    const months = (range.to - range.from) / (30 * 86_400_000);
    const uplinks = [...inventory.subjects.values()].filter((s) => s.kind === 'uplink');
    const perUplink = history.filter((o) => uplinks.some((u) => u.key === o.subject)).length / uplinks.length / months;
    expect(perUplink).toBeGreaterThan(1);
    expect(perUplink).toBeLessThan(2);
    for (const key of inventory.order) {
      const down = history.filter((o) => o.subject === key).reduce((sum, o) => sum + o.to - o.from, 0);
      expect(down / (range.to - range.from)).toBeLessThan(0.02);
    }
  });
});

describe('the blackouts of the demo’s past', () => {
  const past = demoPowerPast(config, range);
  const HOUR = 3_600_000;

  it('are slots of each queue’s schedule and emergency cuts, hours long, inside the range', () => {
    expect(new Set(past.slots.map((s) => s.group))).toEqual(new Set(['3.1', '1.2', '4.1', '2.2']));
    for (const slot of past.slots) {
      expect(slot.kind).toBe('definite');
      expect([2, 3, 4].map((h) => h * HOUR)).toContain(slot.end - slot.start);
      expect(slot.start).toBeGreaterThanOrEqual(range.from);
      expect(slot.end).toBeLessThanOrEqual(range.to);
    }
    expect(demoPowerPast(config, range)).toEqual(past);
  });

  it('darken the devices as the simulator’s model says, each outage with its cause and evidence', () => {
    const causes = new Set(past.outages.map((o) => o.judgement.cause));
    expect(causes).toEqual(new Set(['power', 'scheduled_blackout']));
    for (const o of past.outages) {
      if (o.judgement.cause === 'scheduled_blackout') {
        const slot = o.judgement.evidence.slot!;
        expect(past.slots).toContainEqual({ ...slot, kind: 'definite' });
        expect(o.from).toBeGreaterThanOrEqual(slot.start);
        expect(o.to).toBeLessThanOrEqual(slot.end);
      }
    }
    // The tower's UPS lasts 45 minutes full (less when a blackout comes before it charged again): in a blackout of
    // Іванківці the uplink goes dark once it runs out.
    const uplink = past.outages.filter((o) => o.subject === 'ivankivtsi-uplink-prostonet');
    expect(uplink.length).toBeGreaterThan(3);
    for (const o of uplink) {
      expect(o.judgement).toMatchObject({ cause: 'power', evidence: { supply: 'ivankivtsi-tower-ups', lost_at: o.from } });
      expect(o.from - o.judgement.evidence.on_battery_at!).toBeGreaterThan(0);
      expect(o.from - o.judgement.evidence.on_battery_at!).toBeLessThanOrEqual(45 * 60_000);
    }
    expect(uplink.some((o) => o.from - o.judgement.evidence.on_battery_at! === 45 * 60_000)).toBe(true);
    // The ЦНАП, an Invincibility Point, outlasts every blackout on its UPS.
    expect(past.outages.filter((o) => o.subject.startsWith('dmytrivka-cnap'))).toEqual([]);
  });

  it('give the UPSes their events: on battery with the minutes left, power lost when flat, power restored with the mains', () => {
    const tower = past.events.filter((e) => e.supply === 'ivankivtsi-tower-ups');
    expect(tower[0]).toMatchObject({ type: 'on_battery', value: 45 });
    for (let i = 0; i < tower.length; i += 3)
      expect(tower.slice(i, i + 3).map((e) => e.type)).toEqual(['on_battery', 'power_lost', 'power_restored']);
    const cnap = past.events.filter((e) => e.supply === 'dmytrivka-cnap-ups');
    expect(cnap.length).toBeGreaterThan(0);
    expect(new Set(cnap.map((e) => e.type))).toEqual(new Set(['on_battery', 'power_restored']));
    expect(new Set(past.events.map((e) => e.supply))).toEqual(
      new Set(['ivankivtsi-tower-ups', 'dmytrivka-cnap-ups', 'makarykha-uplink-ukrtelecom']),
    );
  });

  it('leave out the own outages that would fall on a blackout of the same device', () => {
    const all = demoPast(config, inventory, range).outages;
    for (const key of inventory.order) {
      const own = all.filter((o) => o.subject === key);
      own.forEach((o, i) => i > 0 && expect(o.from).toBeGreaterThanOrEqual(own[i - 1]!.to));
    }
    expect(all.filter((o) => o.judgement.cause === 'provider').every((o) => inventory.subjects.get(o.subject)!.kind === 'uplink')).toBe(
      true,
    );
  });
});
