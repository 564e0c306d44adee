import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load.ts';
import { buildInventory } from '../../server/inventory.ts';
import { demoHistory } from '../../app/demo-history.ts';

const inventory = buildInventory(loadConfig(new URL('../../config/example.yaml', import.meta.url).pathname, {}));
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
