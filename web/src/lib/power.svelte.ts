/**
 * The power of the villages (`GET /api/power`) for every card and page that shows it: one copy, read
 * while at least one of them is on screen and again every POWER_EVERY_MS. The server sends no power
 * event over the socket; a UPS's estimate moves by the minute and a slot by the hour, so a reading
 * this fresh is what the dashboard needs.
 */
import type { PowerResponse, VillagePower } from '../../../common/api.ts';
import { request } from './api.ts';

export const POWER_EVERY_MS = 15_000;

class Power {
  value = $state.raw<PowerResponse | null>(null);
  error = $state.raw<unknown>(null);
  byVillage = $derived(new Map<string, VillagePower>((this.value?.villages ?? []).map((village) => [village.id, village])));
  #watchers = 0;
  #timer: ReturnType<typeof setInterval> | undefined;

  /** Keeps the power fresh while the caller shows it; returns the stop function, for `$effect`. */
  watch(): () => void {
    if (this.#watchers++ === 0) {
      void this.#load();
      this.#timer = setInterval(() => void this.#load(), POWER_EVERY_MS);
    }
    return () => {
      if (--this.#watchers === 0) clearInterval(this.#timer);
    };
  }

  async #load(): Promise<void> {
    try {
      this.value = await request<PowerResponse>('GET', '/api/power');
      this.error = null;
    } catch (error) {
      this.error = error;
    }
  }
}

export const power = new Power();
