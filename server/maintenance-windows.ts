/**
 * Maintenance windows set from the dashboard ("this village for 2 hours"):
 * kept in a JSON file of the server's data folder so they survive a restart,
 * and handed to the state engine's schedule, where they work exactly like the
 * one-off windows of the config.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { MaintenanceItem } from '../common/api.ts';
import { serviceKey } from '../common/subjects.ts';
import type { Inventory } from './inventory.ts';
import type { MaintenanceSchedule } from './state/maintenance.ts';

/** The windows' file in a data folder (`server.data_dir`). */
export const maintenanceFile = (dataDir: string) => join(resolve(dataDir), 'maintenance.json');

export class MaintenanceWindows {
  private windows: MaintenanceItem[] = [];
  private saving: Promise<void> = Promise.resolve();

  private constructor(
    private readonly file: string,
    private inventory: Inventory,
    private readonly schedule: MaintenanceSchedule,
    private readonly now: () => number,
  ) {}

  static async open(options: { file: string; inventory: Inventory; schedule: MaintenanceSchedule; now?: () => number }) {
    const store = new MaintenanceWindows(options.file, options.inventory, options.schedule, options.now ?? Date.now);
    let text: string | undefined;
    try {
      text = await readFile(options.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (text !== undefined) {
      try {
        store.windows = (JSON.parse(text) as { windows: MaintenanceItem[] }).windows;
      } catch (err) {
        throw new Error(`${options.file}: not valid JSON (${(err as Error).message}); fix or remove the file`);
      }
    }
    store.apply();
    return store;
  }

  /** Windows not over yet, soonest end first. */
  list(): MaintenanceItem[] {
    const now = this.now();
    return this.windows.filter((w) => w.to > now).sort((a, b) => a.to - b.to);
  }

  async add(request: { devices: string[]; villages: string[]; services: string[]; minutes: number; note: string }, by: string) {
    const unknown = [
      ...request.devices.filter((d) => this.inventory.subjects.get(d)?.type !== 'device').map((d) => `device "${d}"`),
      ...request.villages.filter((v) => !this.inventory.villages.has(v)).map((v) => `village "${v}"`),
      ...request.services.filter((s) => !this.inventory.subjects.has(serviceKey(s))).map((s) => `service "${s}"`),
    ];
    if (unknown.length > 0) throw new UnknownSubjectError(`unknown ${unknown.join(', ')}`);
    const from = this.now();
    const item: MaintenanceItem = {
      id: randomUUID(),
      devices: request.devices,
      villages: request.villages,
      services: request.services,
      from,
      to: from + request.minutes * 60_000,
      note: request.note,
      by,
    };
    this.windows = [...this.list(), item];
    await this.commit();
    return item;
  }

  /** Resolves the windows' villages again with a reloaded config's inventory. */
  reconfigure(inventory: Inventory): void {
    this.inventory = inventory;
    this.apply();
  }

  /** Ends a window now. False when there is no such window. */
  async end(id: string): Promise<boolean> {
    if (!this.list().some((w) => w.id === id)) return false;
    this.windows = this.list().filter((w) => w.id !== id);
    await this.commit();
    return true;
  }

  private apply(): void {
    this.schedule.setExtra(
      this.windows.map((w) => ({
        keys: [...w.devices, ...w.villages.flatMap((v) => this.inventory.villages.get(v)?.devices ?? []), ...w.services.map(serviceKey)],
        from: w.from,
        to: w.to,
      })),
    );
  }

  private commit(): Promise<void> {
    this.apply();
    const text = JSON.stringify({ windows: this.windows }, null, 2);
    this.saving = this.saving.then(async () => {
      await mkdir(dirname(this.file), { recursive: true });
      await writeFile(`${this.file}.tmp`, text, { mode: 0o600 });
      await rename(`${this.file}.tmp`, this.file);
    });
    return this.saving;
  }
}

export class UnknownSubjectError extends Error {}
