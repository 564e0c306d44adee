/**
 * The power tracker: the power probe's samples (and the fall of the supplies
 * themselves, as the state engine sees it) in, the power state of every
 * supply and village out, with the episodes on battery the cause of an
 * outage is judged by (`cause.ts`). Pure: every sample and call carries its
 * time, and what happened comes back as `PowerEvent`s for the caller to
 * store (`powerEventPoint`).
 *
 * A supply goes on battery when it reads so, dated by its own
 * `seconds_on_battery` when it gives one (so an episode that began before a
 * restart keeps its start), else by the first such reading. It is lost when
 * it reports its battery depleted, or falls silent while on battery: its own
 * outage in the state engine, or `states.down_after` power polls in a row
 * without an answer (a UPS that runs out takes its network card with it).
 * Mains back (or bypass, which is mains too) ends the episode.
 */
import type { PowerSample } from '../../collector/samples.ts';
import type { Config } from '../../config/schema.ts';
import { formatDuration } from '../../common/words/duration.ts';
import { POWER_STATE_RANK, type PowerGroup, type PowerSource, type PowerState } from '../../common/words/power.ts';
import type { Point } from '../../storage/point.ts';
import type { Inventory } from '../inventory.ts';
import { inBlackout, type BlackoutSchedule } from './schedule.ts';
import type { MainsSpan, PowerEpisode, PowerSnapshot, ScheduleSource, SupplyHistory, SupplyView, VillagePowerView } from './types.ts';

/** What the tracker keeps of the past: enough for the cause of any outage open or ended within it. */
export const POWER_MEMORY_MS = 48 * 3_600_000;

/** Something that happened to a supply, for the `event` measurement. */
export interface PowerEvent {
  type: 'on_battery' | 'power_lost' | 'power_restored';
  supply: string;
  at: number;
  /** on_battery: minutes left (absent when the supply gave none); power_lost, power_restored: seconds on battery. */
  value?: number;
  /** In English, for people reading the data. */
  message: string;
}

/** What one sample or call changed. */
export interface PowerStep {
  events: PowerEvent[];
  /** A supply's state or its estimate changed: the snapshot reads differently. */
  changed: boolean;
}

interface SupplyConfig {
  device: string;
  village: string;
  feeds: string[];
}

interface Memo extends SupplyConfig {
  state: PowerState;
  since: number;
  source: PowerSource;
  minutes_left?: number;
  battery_pct?: number;
  input_voltage?: number;
  /** The last poll's time; 0 before the first. */
  at: number;
  /** It has answered a poll since the tracker began. */
  answered: boolean;
  fails: number;
  failStart: number;
  /** The open episode, also the last of `episodes`. */
  episode?: PowerEpisode;
  episodes: PowerEpisode[];
  mains: MainsSpan[];
  /** The previous answered poll read mains (the next mains reading extends the last span). */
  onMains: boolean;
  fell: number[];
}

/** The supplies of a config: every UPS (it feeds `powers`, or every other device of its village) and every device whose voltage is read (it feeds itself). */
function suppliesOf(config: Config): SupplyConfig[] {
  return config.villages.flatMap((village) =>
    village.devices.flatMap((d): SupplyConfig[] => {
      if (d.kind === 'ups') {
        const feeds = d.powers ?? village.devices.filter((o) => o.id !== d.id).map((o) => o.id);
        return [{ device: d.id, village: village.id, feeds }];
      }
      return d.power_voltage ? [{ device: d.id, village: village.id, feeds: [d.id] }] : [];
    }),
  );
}

const seconds = (ms: number) => Math.max(0, Math.round(ms / 1000));
const onBatteryFor = (ms: number) => formatDuration(ms / 1000, 'en');

export interface PowerTrackerOptions {
  config: Config;
  schedule?: ScheduleSource;
  /** When the tracker began: an episode older than this, seen at a supply's first poll, was already told before a restart. */
  startedAt: number;
}

export class PowerTracker {
  private readonly memos = new Map<string, Memo>();
  /** Device id → the supplies that feed it (itself first, when it is one). */
  private fedBy = new Map<string, string[]>();
  private groups = new Map<string, PowerGroup>();
  private villageGroups = new Map<string, PowerGroup>();
  private villages: string[] = [];
  /** Polls without an answer that make a supply silent: the config's `states.down_after`, set by `reconfigure`. */
  private downAfter!: number;

  constructor(private readonly options: PowerTrackerOptions) {
    this.reconfigure(options.config);
  }

  /** Takes a reloaded config: supplies that stay keep what the tracker knows of them; what they feed follows the config. */
  reconfigure(config: Config): void {
    this.downAfter = config.states.down_after;
    const before = new Map(this.memos);
    this.memos.clear();
    for (const s of suppliesOf(config)) {
      const kept = before.get(s.device);
      this.memos.set(s.device, kept ? Object.assign(kept, s) : this.blank(s));
    }
    this.fedBy = new Map([...this.memos.keys()].map((device) => [device, [device]]));
    for (const m of this.memos.values()) {
      for (const device of m.feeds) {
        const list = this.fedBy.get(device) ?? [];
        if (!list.includes(m.device)) list.push(m.device);
        this.fedBy.set(device, list);
      }
    }
    this.groups = new Map();
    this.villageGroups = new Map();
    const villages = new Set([...this.memos.values()].map((m) => m.village));
    for (const v of config.villages) {
      if (v.power_group) {
        this.villageGroups.set(v.id, v.power_group as PowerGroup);
        villages.add(v.id);
      }
      for (const d of v.devices) {
        const group = d.power_group ?? v.power_group;
        if (group) this.groups.set(d.id, group as PowerGroup);
      }
    }
    this.villages = config.villages.map((v) => v.id).filter((id) => villages.has(id));
  }

  private blank(s: SupplyConfig): Memo {
    return {
      ...s,
      state: 'unknown',
      since: this.options.startedAt,
      source: 'unknown',
      at: 0,
      answered: false,
      fails: 0,
      failStart: 0,
      episodes: [],
      mains: [],
      onMains: false,
      fell: [],
    };
  }

  isSupply(device: string): boolean {
    return this.memos.has(device);
  }

  /** The supplies that feed a device (itself first, when it is one); none when no supply is known to. */
  suppliesOf(device: string): readonly string[] {
    return this.fedBy.get(device) ?? [];
  }

  /** A device's blackout queue: its own `power_group`, else its village's. */
  groupOf(device: string): PowerGroup | undefined {
    return this.groups.get(device);
  }

  schedule(): BlackoutSchedule | undefined {
    return this.options.schedule?.();
  }

  history(supply: string): SupplyHistory | undefined {
    const m = this.memos.get(supply);
    return m && { device: m.device, episodes: m.episodes, mains: m.mains, fell: m.fell };
  }

  observe(sample: PowerSample): PowerStep {
    const m = this.memos.get(sample.subject);
    const step: PowerStep = { events: [], changed: false };
    if (!m) return step;
    const at = sample.at;
    this.prune(m, at);
    const before = { state: m.state, minutes: m.minutes_left };
    if (!sample.ok) {
      if (m.fails++ === 0) m.failStart = at;
      m.at = Math.max(m.at, at);
      m.onMains = false;
      if (m.fails >= this.downAfter) {
        if (m.episode) this.lose(m, m.failStart, step);
        else this.set(m, 'unknown', m.failStart);
      }
    } else {
      const first = !m.answered;
      const r = sample.power;
      m.answered = true;
      m.fails = 0;
      m.at = Math.max(m.at, at);
      m.source = r.source;
      m.minutes_left = r.minutes_left ?? undefined;
      m.battery_pct = r.battery_pct ?? undefined;
      m.input_voltage = r.input_voltage ?? undefined;
      if (r.source === 'battery') {
        m.onMains = false;
        this.onBattery(m, at, r.seconds_on_battery, first, step);
        if (r.battery_status === 'depleted') this.lose(m, at, step);
        else if (m.state !== 'battery') {
          // Answering on battery again after it fell silent: it had not run out.
          delete m.episode!.lost;
          this.set(m, 'battery', m.episode!.start);
        }
      } else if (r.source === 'mains' || r.source === 'bypass') {
        if (m.episode) this.restore(m, at, step);
        const last = m.mains.at(-1);
        if (m.onMains && last) last.to = at;
        else m.mains.push({ from: at, to: at });
        m.onMains = true;
        this.set(m, 'mains', at);
      } else {
        m.onMains = false;
        this.set(m, 'unknown', at);
      }
    }
    if (m.state !== 'battery') delete m.minutes_left;
    step.changed = before.state !== m.state || before.minutes !== m.minutes_left;
    return step;
  }

  /** A supply's own outage began (its ping or SNMP failed): on battery, it has run out. */
  supplyFell(device: string, at: number): PowerStep {
    const m = this.memos.get(device);
    const step: PowerStep = { events: [], changed: false };
    if (!m) return step;
    this.prune(m, at);
    m.fell.push(at);
    if (m.episode && m.state !== 'lost') {
      this.lose(m, at, step);
      delete m.minutes_left;
      step.changed = true;
    }
    return step;
  }

  snapshot(now: number): PowerSnapshot {
    const supplies = new Map<string, SupplyView>();
    for (const m of this.memos.values()) supplies.set(m.device, viewOf(m));
    const schedule = this.schedule();
    const villages = new Map<string, VillagePowerView>();
    for (const id of this.villages) {
      const own = [...supplies.values()].filter((s) => s.village === id);
      villages.set(id, villageView(id, own, this.villageGroups.get(id), schedule, now, this.options.startedAt));
    }
    return { supplies, villages };
  }

  private onBattery(m: Memo, at: number, secondsOnBattery: number | null, first: boolean, step: PowerStep): void {
    if (!m.episode) {
      const told = secondsOnBattery !== null && secondsOnBattery > 0 ? at - secondsOnBattery * 1000 : at;
      // It read mains at the last span's end: it cannot have gone on battery before that, whatever its counter says.
      const start = Math.min(at, Math.max(told, m.mains.at(-1)?.to ?? -Infinity));
      m.episode = { supply: m.device, village: m.village, start };
      m.episodes.push(m.episode);
      const resumed = first && start < this.options.startedAt;
      if (!resumed) {
        const minutes = m.minutes_left;
        step.events.push({
          type: 'on_battery',
          supply: m.device,
          at: start,
          ...(minutes !== undefined ? { value: minutes } : {}),
          message: minutes !== undefined ? `on battery, about ${minutes} min left` : 'on battery',
        });
      }
    }
    const e = m.episode;
    if (m.minutes_left !== undefined && (e.min_minutes_left === undefined || m.minutes_left < e.min_minutes_left)) {
      e.min_minutes_left = m.minutes_left;
    }
  }

  private lose(m: Memo, at: number, step: PowerStep): void {
    const e = m.episode!;
    if (m.state === 'lost') return;
    const lostAt = Math.max(at, e.start);
    e.lost = lostAt;
    this.set(m, 'lost', lostAt);
    step.events.push({
      type: 'power_lost',
      supply: m.device,
      at: lostAt,
      value: seconds(lostAt - e.start),
      message: `power lost after ${onBatteryFor(lostAt - e.start)} on battery`,
    });
  }

  private restore(m: Memo, at: number, step: PowerStep): void {
    const e = m.episode!;
    e.end = at;
    m.episode = undefined;
    step.events.push({
      type: 'power_restored',
      supply: m.device,
      at,
      value: seconds(at - e.start),
      message: `mains back after ${onBatteryFor(at - e.start)} on battery`,
    });
  }

  private set(m: Memo, state: PowerState, since: number): void {
    if (m.state === state) return;
    m.state = state;
    m.since = since;
  }

  private prune(m: Memo, now: number): void {
    const from = now - POWER_MEMORY_MS;
    m.episodes = m.episodes.filter((e) => e.end === undefined || e.end >= from);
    m.mains = m.mains.filter((s) => s.to >= from);
    m.fell = m.fell.filter((t) => t >= from);
  }
}

function viewOf(m: Memo): SupplyView {
  return {
    device: m.device,
    village: m.village,
    state: m.state,
    since: m.since,
    source: m.source,
    ...(m.minutes_left !== undefined ? { minutes_left: m.minutes_left } : {}),
    ...(m.battery_pct !== undefined ? { battery_pct: m.battery_pct } : {}),
    ...(m.input_voltage !== undefined ? { input_voltage: m.input_voltage } : {}),
    feeds: [...m.feeds],
    at: m.at,
  };
}

/**
 * The worst of a village's supplies (lost > battery > mains > unknown). It is
 * lost or on battery since the first of its supplies went so, on mains or
 * unknown since the last one came to it.
 */
function villageView(
  village: string,
  supplies: readonly SupplyView[],
  group: PowerGroup | undefined,
  schedule: BlackoutSchedule | undefined,
  now: number,
  startedAt: number,
): VillagePowerView {
  const state = supplies.reduce<PowerState>(
    (worst, s) => (POWER_STATE_RANK[s.state] > POWER_STATE_RANK[worst] ? s.state : worst),
    'unknown',
  );
  const worst = supplies.filter((s) => s.state === state);
  const sinces = worst.map((s) => s.since);
  const since = worst.length === 0 ? startedAt : state === 'lost' || state === 'battery' ? Math.min(...sinces) : Math.max(...sinces);
  const estimates = supplies.filter((s) => s.state === 'battery' && s.minutes_left !== undefined);
  const least = estimates.reduce<SupplyView | undefined>(
    (a, s) => (a === undefined || s.minutes_left! < a.minutes_left! ? s : a),
    undefined,
  );
  const supply = state === 'unknown' ? undefined : state === 'battery' && least ? least : worst[0];
  const slot = group && schedule ? inBlackout(schedule, group, now) : undefined;
  return {
    village,
    state,
    since,
    ...(least ? { minutes_left: least.minutes_left } : {}),
    ...(supply ? { supply: supply.device } : {}),
    ...(group ? { group } : {}),
    ...(slot ? { mains_expected_at: slot.end } : {}),
  };
}

/** The `event` point of a supply's event, with the supply's tags; none for a device the inventory does not know. */
export function powerEventPoint(event: PowerEvent, inventory: Inventory): Point | undefined {
  const subject = inventory.subjects.get(event.supply);
  if (!subject) return undefined;
  return {
    measurement: 'event',
    tags: { ...subject.tags, type: event.type },
    fields: { message: event.message, ...(event.value !== undefined ? { value: event.value } : {}) },
    time: event.at,
  };
}
