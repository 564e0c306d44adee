/**
 * What is true about a device at a moment: which faults act on it (its own
 * and its parents'), and the words for its state that tests and people use.
 *
 * A parent's outage cuts off every device behind it (the config's `parent`
 * chain), and a parent's packet loss adds to theirs, as on a real network.
 * Slow, garbage, link-down and wrap faults act on the device's own agent only.
 */
import type { DeviceModel } from './devices.ts';
import { isActive, type FaultType, type Timeline } from './timeline.ts';

/** The faults acting on a device at one scenario instant. */
export interface Condition {
  /** The device itself is off the air: an outage, the down half of flapping, or restarting. */
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

/** `ancestors` lists the device's parents from the nearest up. */
export function conditionAt(timeline: Timeline, device: string, ancestors: readonly string[], s: number): Condition {
  const own = ownEffects(timeline, device, s);
  let survive = own.survive;
  let cutBy: string | null = null;
  const faults = new Set(own.faults);
  for (const parent of ancestors) {
    const up = ownEffects(timeline, parent, s);
    if (up.off && cutBy === null) cutBy = parent;
    if (up.off) faults.add(up.faults.has('outage') ? 'outage' : up.faults.has('flapping') ? 'flapping' : 'reboot');
    if (up.survive < 1) faults.add('loss');
    survive *= up.survive;
  }
  return {
    off: own.off,
    cutBy,
    lossPct: Math.round((1 - survive) * 100),
    delayMs: own.delayMs,
    garbage: own.garbage,
    linkDown: own.linkDown,
    faults: [...faults].sort(),
  };
}

/** The faults that take a device off the air or lose its packets: with nftables, the network plays them. */
const NETWORK_FAULTS: ReadonlySet<FaultType> = new Set(['outage', 'flapping', 'reboot', 'loss']);

/** The network side of a condition, as nftables had it in place. */
export type NetworkSide = Pick<Condition, 'off' | 'cutBy' | 'lossPct' | 'faults'>;

/** No rule in place: everything gets through. */
export const OPEN_NETWORK: NetworkSide = { off: false, cutBy: null, lossPct: 0, faults: [] };

/**
 * `c` with its network side (off the air, cut off, packet loss) as the network
 * really had it, which with nftables lags the scenario by an nft run; the
 * SNMP-only faults stay on the scenario clock.
 */
export function withNetwork(c: Condition, net: NetworkSide): Condition {
  const faults = new Set([...c.faults.filter((f) => !NETWORK_FAULTS.has(f)), ...net.faults.filter((f) => NETWORK_FAULTS.has(f))]);
  return { ...c, off: net.off, cutBy: net.cutBy, lossPct: net.lossPct, faults: [...faults].sort() };
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
  return { state, ping, snmp, lossPct: c.lossPct, link: c.linkDown ? 'down' : 'up', faults: c.faults, via };
}
