/**
 * Plays the timeline in real time: at each moment a fault starts, ends or
 * (flapping) changes phase, a cut of the mains begins or ends, or a battery
 * runs flat, it applies the network side (nftables rules for devices off the
 * air or losing packets), tells the world model when that side was in place,
 * and says in plain words what happens. The SNMP side needs no timer: each
 * agent asks the world model on every request.
 */
import type { Logger } from '../common/log.ts';
import type { NftRule } from './nft.ts';
import type { CutOccurrence, Feed } from './power.ts';
import { nextBoundaryOf, type Occurrence } from './timeline.ts';
import type { World } from './world.ts';

/** setTimeout's limit (about 24.8 days); a longer wait is taken in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The nftables rules that make the network match the timeline at scenario time `s`. */
export function networkRules(world: World, s: number): NftRule[] {
  const rules: NftRule[] = [];
  for (const d of [...world.devices, ...world.unlisted]) {
    const c = world.conditionAt(d.id, s);
    if (c.off || c.cutBy !== null) rules.push({ address: d.host, dropPct: 100 });
    else if (c.lossPct > 0) rules.push({ address: d.host, dropPct: c.lossPct });
  }
  return rules;
}

function words(ms: number): string {
  const seconds = ms / 1000;
  return seconds >= 120 ? `${Math.round(seconds / 60)} min` : `${Math.round(seconds * 10) / 10} s`;
}

/** " for 5 min", in scenario time, with the real time when the scenario runs faster. */
function span(world: World, o: Pick<Occurrence, 'start' | 'end'>): string {
  if (o.end === null || o.end === o.start) return '';
  const real = world.wallAt(o.end) - world.wallAt(o.start);
  return real === o.end - o.start ? ` for ${words(real)}` : ` for ${words(o.end - o.start)} (${words(real)} real time)`;
}

/** "a, b, c", or the first five "and 7 more". */
function names(ids: readonly string[]): string {
  return ids.length > 6 ? `${ids.slice(0, 5).join(', ')} and ${ids.length - 5} more` : ids.join(', ');
}

/** What a fault does, as a person would say it; `behind` names the devices cut off with it. */
export function startWords(world: World, o: Occurrence, behind: string[]): string {
  const d = o.device;
  const cut = behind.length ? `; cut off behind it: ${names(behind)}` : '';
  const main = world.device(d).mainInterface;
  switch (o.type) {
    case 'outage':
      return `${d} goes off the air: no answer to ping or SNMP${span(world, o)}${cut}`;
    case 'flapping':
      return `${d} starts flapping: down for half of every ${Math.round(o.period! / 1000)} scenario seconds${span(world, o)}${cut}`;
    case 'loss':
      return `${d} starts losing ${o.loss_pct}% of its packets${span(world, o)}${behind.length ? ` (and so do ${names(behind)})` : ''}`;
    case 'reboot':
      return `${d} reboots${o.end !== o.start ? `, down${span(world, o)}` : ''}: its uptime and counters start again from zero`;
    case 'wrap':
      return `${d}'s interface counters pass 2^${o.bits ?? 64} and start again from zero`;
    case 'slow':
      return `${d}'s SNMP agent answers ${o.delay} ms late${span(world, o)}`;
    case 'garbage':
      return `${d}'s SNMP port answers garbage that is not SNMP${span(world, o)}`;
    case 'link_down':
      return `${d}'s interface ${main} goes down${span(world, o)}`;
  }
}

export function endWords(world: World, o: Occurrence): string {
  const d = o.device;
  switch (o.type) {
    case 'outage':
      return `${d} is back on the air after its outage`;
    case 'flapping':
      return `${d} stops flapping`;
    case 'loss':
      return `${d} no longer loses packets`;
    case 'reboot':
      return `${d} is back up after its reboot, uptime 0`;
    case 'slow':
      return `${d}'s SNMP agent answers promptly again`;
    case 'garbage':
      return `${d}'s SNMP port answers SNMP again`;
    case 'link_down':
      return `${d}'s interface ${world.device(d).mainInterface} is up again`;
    case 'wrap':
      return '';
  }
}

const mainsOf = (o: CutOccurrence) => (o.village !== undefined ? `village ${o.village}` : `queue ${o.group}`);

/**
 * What changed in the power at scenario instant `b`, as a person would say
 * it: the cuts that begin or end, the batteries that run flat, and which
 * devices went on battery (with the minutes their supply has), dark, or back
 * on mains. Empty when nothing changed.
 */
export function powerWords(world: World, b: number): string {
  const events: string[] = [];
  for (const o of world.power.mains.between(b, b)) {
    if (o.start === b) events.push(`${mainsOf(o)} loses mains${o.scheduled ? ' (a slot of the blackout schedule)' : ''}${span(world, o)}`);
    if (o.end === b) events.push(`${mainsOf(o)} has mains again`);
  }
  const went: Record<Feed, string[]> = { mains: [], battery: [], none: [] };
  for (const d of world.devices) {
    const feed = world.power.feed(d.id, b);
    if (feed === world.power.feed(d.id, b - 1)) continue;
    went[feed].push(d.id);
    const st = world.power.supply(d.id, b);
    if (feed === 'none' && st && !st.mains && world.power.supply(d.id, b - 1)!.output) events.push(`${d.id} runs out of battery`);
  }
  const battery = went.battery.map((id) => {
    const left = world.power.supply(id, b)?.left;
    return left === undefined ? id : `${id} (${words(left)} left)`;
  });
  const effects = [
    battery.length ? `on battery: ${names(battery)}` : '',
    went.none.length ? `dark: ${names(went.none)}` : '',
    went.mains.length ? `back on mains: ${names(went.mains)}` : '',
  ].filter(Boolean);
  if (events.length === 0 && effects.length === 0) return '';
  return [events.join(', '), ...effects].filter(Boolean).join('; ');
}

export interface Player {
  /**
   * The scenario ms a fault injected now starts (or ends) at: now, but never
   * at an instant already played, so that it is applied and told like any other.
   */
  nextInstant(): number;
  /** Re-reads the timeline now (after a fault was injected or ended). */
  refresh(): void;
  stop(): void;
}

export interface PlayerOptions {
  log: Logger;
  /** Applies nftables rules, returning once they are in force; absent when network faults are played by the agents alone. */
  applyNetwork?: (rules: NftRule[]) => void;
  /** Scenario ms at which the scenario has played its duration, and what to do then. */
  endAt?: number;
  onEnd?: () => void;
}

export function startPlayer(world: World, { log, applyNetwork, endAt = Infinity, onEnd }: PlayerOptions): Player {
  // Every device behind each parent, to say whom an outage cuts off.
  const behind = new Map<string, string[]>();
  for (const d of world.devices) {
    for (const p of world.ancestors(d.id)) {
      const list = behind.get(p) ?? [];
      list.push(d.id);
      behind.set(p, list);
    }
  }

  // The first pass also reports faults that start at the very beginning.
  let lastS = world.scenarioAt(world.clock.wallStart) - 1;
  let lastRules = '';
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  function tell(s: number): void {
    for (const id of world.timeline.devices()) {
      for (const o of world.timeline.between(id, lastS + 1, s)) {
        const at = (when: number) => ({ device: id, fault: o.type, scenario_time: new Date(when).toISOString() });
        if (o.start > lastS && o.start <= s) {
          const affected = o.type === 'outage' || o.type === 'flapping' || o.type === 'loss' ? (behind.get(id) ?? []) : [];
          log.info(at(o.start), startWords(world, o, affected));
        }
        if (o.end !== null && o.end !== o.start && o.end > lastS && o.end <= s) log.info(at(o.end), endWords(world, o));
      }
    }
    for (const b of world.power.boundaries(lastS, s)) {
      const said = powerWords(world, b);
      if (said) log.info({ power: true, scenario_time: new Date(b).toISOString() }, said);
    }
  }

  function step(): void {
    timer = undefined;
    if (stopped) return;
    const s = world.scenarioAt(Date.now());
    if (s > lastS) {
      tell(s);
      lastS = s;
    }
    if (applyNetwork) {
      const rules = networkRules(world, s);
      const key = JSON.stringify(rules);
      try {
        if (key !== lastRules) {
          applyNetwork(rules);
          lastRules = key;
        }
        // Now, not at the boundary: the timer can fire late, and the nft run takes tens of ms (hundreds on a
        // busy machine) while the old rules still hold and a collector in this process is blocked.
        world.networkChanged(s, Date.now());
      } catch (err) {
        log.error({ err: (err as Error).message }, 'cannot apply the nftables rules of the simulation');
      }
    }
    if (s >= endAt) {
      onEnd?.();
      return;
    }
    schedule(s);
  }

  function schedule(s: number): void {
    let next = Math.min(endAt, world.power.nextBoundary(s) ?? Infinity);
    for (const id of world.timeline.devices()) {
      for (const o of world.timeline.between(id, s, s + world.timeline.reach)) {
        const b = nextBoundaryOf(o, s);
        if (b !== null && b < next) next = b;
      }
    }
    if (next === Infinity) return;
    const wait = Math.min(MAX_TIMER_MS, Math.max(0, world.wallAt(next) - Date.now()));
    timer = setTimeout(step, wait);
  }

  step();
  return {
    nextInstant: () => Math.max(world.scenarioAt(Date.now()), lastS + 1),
    refresh() {
      if (timer) clearTimeout(timer);
      step();
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
