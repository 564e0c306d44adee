/**
 * What is true about a device at a moment: which faults act on it (its own
 * and its parents'), what it runs on, and the words for its state that tests
 * and people use.
 *
 * A parent's outage cuts off every device behind it (the config's `parent`
 * chain), and a parent's packet loss adds to theirs, as on a real network.
 * A device without power is off the air like one in an outage. An
 * Invincibility Point with a backup link fails over to it when a device above
 * it is off the air, so neither it nor what is behind it is cut off while it
 * has power. Slow, garbage, link-down and wrap faults act on the device's own
 * agent only.
 */
import type { OutageCause } from '../common/words/power.ts';
import type { DeviceModel } from './devices.ts';
import type { Feed } from './power.ts';
import { isActive, type FaultType, type Timeline } from './timeline.ts';

/** What the power model tells the condition of a device (`PowerModel`; `ON_MAINS` where nothing cuts the mains). */
export interface PowerView {
  feed(id: string, s: number): Feed;
  darkCause(id: string, s: number): Extract<OutageCause, 'power' | 'scheduled_blackout'>;
  hasBackupLink(id: string): boolean;
}

export const ON_MAINS: PowerView = { feed: () => 'mains', darkCause: () => 'power', hasBackupLink: () => false };

/** The faults acting on a device at one scenario instant. */
export interface Condition {
  /** The device itself is off the air: an outage, the down half of flapping, restarting, or no power. */
  off: boolean;
  /** The nearest parent that is off the air, cutting this device off; null when none is. */
  cutBy: string | null;
  /** Packets lost on the way, own and parents' loss combined, whole percent. */
  lossPct: number;
  /** How late the SNMP agent answers, real ms (0: on time). */
  delayMs: number;
  garbage: boolean;
  linkDown: boolean;
  /** Fault types acting now, own and inherited, without repeats. */
  faults: FaultType[];
  /** What it runs on. */
  power: Feed;
  /** Why it is off the air or cut off, as the scenario scripted it; null while it is neither. */
  cause: OutageCause | null;
}

/**
 * The state vocabulary of the ground truth:
 * - `up`: answers ping and SNMP normally;
 * - `degraded`: answers, but loses packets, answers SNMP late, or its interface is down;
 * - `snmp_down`: answers ping but gives no usable SNMP answer (silent or garbage);
 *   this is also what an outage looks like when nftables cannot drop ICMP;
 * - `unreachable`: neither ping nor SNMP, because a parent (`via`) is down;
 * - `down`: neither ping nor SNMP, the device itself is off the air.
 */
export const STATES = ['up', 'degraded', 'snmp_down', 'unreachable', 'down'] as const;
export type StateName = (typeof STATES)[number];

export interface TrueState {
  state: StateName;
  /** What a ping sees. */
  ping: 'ok' | 'lossy' | 'none';
  /** What an SNMP poll sees; null for a device that is only pinged. */
  snmp: 'ok' | 'slow' | 'lossy' | 'garbage' | 'silent' | null;
  lossPct: number;
  /** ifOperStatus of the device's main interface. */
  link: 'up' | 'down';
  faults: FaultType[];
  /** The parent whose outage is the cause, for `unreachable` (and `snmp_down` without nftables). */
  via: string | null;
  /** What it runs on: the mains, a supply's battery, or nothing. */
  power: Feed;
  /** Why it is off the air or cut off (see `Condition`); null while it is neither. */
  cause: OutageCause | null;
}

/** Own effects of the occurrences acting on one device. */
function ownEffects(timeline: Timeline, device: string, s: number) {
  const effects = { off: false, survive: 1, delayMs: 0, garbage: false, linkDown: false, faults: new Set<FaultType>() };
  for (const o of timeline.between(device, s, s)) {
    if (!isActive(o, s)) continue;
    effects.faults.add(o.type);
    switch (o.type) {
      case 'outage':
      case 'flapping':
      case 'reboot':
        effects.off = true;
        break;
      case 'loss':
        effects.survive *= 1 - (o.loss_pct ?? 0) / 100;
        break;
      case 'slow':
        effects.delayMs = Math.max(effects.delayMs, o.delay ?? 0);
        break;
      case 'garbage':
        effects.garbage = true;
        break;
      case 'link_down':
        effects.linkDown = true;
        break;
      case 'wrap':
        break;
    }
  }
  return effects;
}

/**
 * The parents whose faults reach the device: all of them, unless the
 * nearest Invincibility Point on the way (the device itself, or a parent) has
 * power and a backup link, and a device above it is off the air: then the
 * point runs on its backup link and nothing above it reaches it.
 */
function reachingParents(timeline: Timeline, device: string, ancestors: readonly string[], s: number, power: PowerView): readonly string[] {
  const point = [device, ...ancestors].findIndex((id) => power.hasBackupLink(id) && power.feed(id, s) !== 'none');
  if (point < 0) return ancestors;
  const above = ancestors.slice(point);
  const fallen = above.some((id) => ownEffects(timeline, id, s).off || power.feed(id, s) === 'none');
  return fallen ? ancestors.slice(0, point) : ancestors;
}

/**
 * `device` with its kind (an uplink's own fault is its provider's);
 * `ancestors` lists its parents from the nearest up.
 */
export function conditionAt(
  timeline: Timeline,
  device: Pick<DeviceModel, 'id' | 'kind'>,
  ancestors: readonly string[],
  s: number,
  power: PowerView = ON_MAINS,
): Condition {
  const own = ownEffects(timeline, device.id, s);
  const feed = power.feed(device.id, s);
  let survive = own.survive;
  let cutBy: string | null = null;
  const faults = new Set(own.faults);
  for (const parent of reachingParents(timeline, device.id, ancestors, s, power)) {
    const up = ownEffects(timeline, parent, s);
    const dark = power.feed(parent, s) === 'none';
    if ((up.off || dark) && cutBy === null) cutBy = parent;
    if (up.off) faults.add(up.faults.has('outage') ? 'outage' : up.faults.has('flapping') ? 'flapping' : 'reboot');
    if (up.survive < 1) faults.add('loss');
    survive *= up.survive;
  }
  const cause: OutageCause | null =
    feed === 'none'
      ? power.darkCause(device.id, s)
      : own.off
        ? device.kind === 'uplink'
          ? 'provider'
          : 'device'
        : cutBy !== null
          ? 'upstream'
          : null;
  return {
    off: own.off || feed === 'none',
    cutBy,
    lossPct: Math.round((1 - survive) * 100),
    delayMs: own.delayMs,
    garbage: own.garbage,
    linkDown: own.linkDown,
    faults: [...faults].sort(),
    power: feed,
    cause,
  };
}

/** The faults that take a device off the air or lose its packets: with nftables, the network plays them. */
const NETWORK_FAULTS: ReadonlySet<FaultType> = new Set(['outage', 'flapping', 'reboot', 'loss']);

/**
 * The network side of a condition, as nftables had it in place: whether the
 * device is off the air or cut off (and so why, and whether for want of
 * power), and its packet loss.
 */
export type NetworkSide = Pick<Condition, 'off' | 'cutBy' | 'lossPct' | 'faults' | 'power' | 'cause'>;

/** No rule in place: everything gets through. */
export const OPEN_NETWORK: NetworkSide = { off: false, cutBy: null, lossPct: 0, faults: [], power: 'mains', cause: null };

/**
 * `c` with its network side (off the air, cut off, packet loss) as the network
 * really had it, which with nftables lags the scenario by an nft run; the
 * SNMP-only faults stay on the scenario clock.
 */
export function withNetwork(c: Condition, net: NetworkSide): Condition {
  const faults = new Set([...c.faults.filter((f) => !NETWORK_FAULTS.has(f)), ...net.faults.filter((f) => NETWORK_FAULTS.has(f))]);
  return { ...c, off: net.off, cutBy: net.cutBy, lossPct: net.lossPct, faults: [...faults].sort(), power: net.power, cause: net.cause };
}

/**
 * Names the state. `nft` says whether network faults were real (ICMP and UDP
 * dropped by nftables) or, without it, played by the SNMP agent alone.
 */
export function describe(c: Condition, device: Pick<DeviceModel, 'port'>, nft: boolean): TrueState {
  const cut = c.off || c.cutBy !== null;
  const ping = nft && cut ? 'none' : nft && c.lossPct > 0 ? 'lossy' : 'ok';
  const snmp =
    device.port === null ? null : cut ? 'silent' : c.garbage ? 'garbage' : c.lossPct > 0 ? 'lossy' : c.delayMs > 0 ? 'slow' : 'ok';
  const state: StateName =
    ping === 'none'
      ? c.off
        ? 'down'
        : 'unreachable'
      : snmp === 'silent' || snmp === 'garbage'
        ? 'snmp_down'
        : ping === 'lossy' || snmp === 'lossy' || snmp === 'slow' || c.linkDown
          ? 'degraded'
          : 'up';
  const via = !c.off && c.cutBy !== null && (state === 'unreachable' || state === 'snmp_down') ? c.cutBy : null;
  return { state, ping, snmp, lossPct: c.lossPct, link: c.linkDown ? 'down' : 'up', faults: c.faults, via, power: c.power, cause: c.cause };
}
