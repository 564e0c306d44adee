/**
 * Uptime, interface counters and Wi-Fi clients as exact functions of time.
 *
 * A device's life is a series of uptimes (epochs): the first runs from the
 * simulation start (the device was booted `initialUptimeMs` earlier), each
 * reboot starts another when the device is back. In an epoch a counter is
 *
 *   counter(t) = base + ⌊ peak_bps × ∫ shape ds / (8000 × speedMilli) ⌋  (mod 2^64)
 *
 * where ∫ shape runs over scenario time from the epoch start (the integral
 * over wall time of a rate that follows the scenario clock), so a collector
 * measuring real seconds sees the scripted bit/s. `base` is the start value,
 * or, in an epoch with a wrap fault, the value that makes the counter pass
 * 2^64 (or 2^32) exactly at the wrap: the counter never jumps, it wraps.
 */
import { curveAt, curveIntegral, CURVES } from './curves.ts';
import { scenarioAt, wallAt, MINUTE_MS, type SimClock } from './clock.ts';
import { unit, type DeviceModel, type InterfaceModel } from './devices.ts';
import type { Timeline } from './timeline.ts';

export type Direction = 'in' | 'out';

const RANGE_64 = 1n << 64n;
const RANGE_32 = 1n << 32n;
const TICKS_RANGE = 2 ** 32;

/** What the counters need to know about the world. */
export interface TrafficContext {
  clock: SimClock;
  /** Offset of the hromada's local time from UTC, ms (fixed at the scenario start). */
  utcOffsetMs: number;
  timeline: Timeline;
}

export interface Epoch {
  /** Scenario ms the counters start counting from. */
  startS: number;
  /** Wall ms the device booted (sysUpTime 0). */
  bootWall: number;
  /** The first epoch continues the device's life before the simulation; later ones follow a reboot. */
  first: boolean;
  wrap: { at: number; bits: 32 | 64 } | null;
}

export function epochAt(ctx: TrafficContext, device: DeviceModel, s: number): Epoch {
  const { clock, timeline } = ctx;
  const reboot = timeline.lastEnded(device.id, 'reboot', s);
  const startS = reboot ? reboot.end! : clock.scenarioStart;
  const next = timeline.firstEndingAfter(device.id, 'reboot', startS);
  const until = next?.end ?? Infinity;
  const wrap = timeline
    .between(device.id, startS, Math.min(until, startS + timeline.reach))
    .find((o) => o.type === 'wrap' && o.start >= startS && o.start < until);
  return {
    startS,
    bootWall: reboot ? wallAt(clock, startS) : clock.wallStart - device.initialUptimeMs,
    first: !reboot,
    wrap: wrap ? { at: wrap.start, bits: wrap.bits ?? 64 } : null,
  };
}

/** Octets that pass between two scenario instants of one epoch at the interface's scripted rate. */
function octets(ctx: TrafficContext, device: DeviceModel, peakBps: number, fromS: number, toS: number): bigint {
  const curve = CURVES[device.place];
  const area = curveIntegral(curve, toS + ctx.utcOffsetMs) - curveIntegral(curve, fromS + ctx.utcOffsetMs);
  return (BigInt(peakBps) * BigInt(area)) / BigInt(8000 * ctx.clock.speedMilli);
}

function peak(ifc: InterfaceModel, dir: Direction): number {
  return dir === 'in' ? ifc.inPeakBps : ifc.outPeakBps;
}

function base(ctx: TrafficContext, device: DeviceModel, ifc: InterfaceModel, dir: Direction, epoch: Epoch): bigint {
  const start = epoch.first ? BigInt(ifc.start[dir]) : 0n;
  if (!epoch.wrap) return start;
  const before = octets(ctx, device, peak(ifc, dir), epoch.startS, epoch.wrap.at);
  if (epoch.wrap.bits === 64) return (RANGE_64 - (before % RANGE_64)) % RANGE_64;
  // Only the low 32 bits pass their maximum; the 64-bit counter keeps its high part.
  return start - (start % RANGE_32) + ((RANGE_32 - (before % RANGE_32)) % RANGE_32);
}

export function findInterface(device: DeviceModel, ifName: string): InterfaceModel {
  const ifc = device.interfaces.find((i) => i.name === ifName);
  if (!ifc)
    throw new RangeError(`device ${device.id} has no interface "${ifName}" (it has ${device.interfaces.map((i) => i.name).join(', ')})`);
  return ifc;
}

/** Scenario time of a wall instant, never before the simulation start (nothing is defined earlier). */
function scenarioOf(ctx: TrafficContext, wall: number): number {
  return scenarioAt(ctx.clock, Math.max(wall, ctx.clock.wallStart));
}

/** The 64-bit octet counter (ifHC{In,Out}Octets) at wall ms `t`; the 32-bit ifInOctets is this mod 2^32. */
export function counterAt(ctx: TrafficContext, device: DeviceModel, ifc: InterfaceModel, dir: Direction, t: number): bigint {
  const s = scenarioOf(ctx, t);
  const epoch = epochAt(ctx, device, s);
  return (base(ctx, device, ifc, dir, epoch) + octets(ctx, device, peak(ifc, dir), epoch.startS, s)) % RANGE_64;
}

/** ifIn/OutErrors (or Discards): Counter32 values that grow slowly with the traffic of the current uptime. */
export function errorCounterAt(
  ctx: TrafficContext,
  device: DeviceModel,
  ifc: InterfaceModel,
  dir: Direction,
  kind: 'errors' | 'discards',
  t: number,
): number {
  const s = scenarioOf(ctx, t);
  const epoch = epochAt(ctx, device, s);
  const every = BigInt(device.octetsPerError * (kind === 'errors' ? 1 : 3));
  return Number((octets(ctx, device, peak(ifc, dir), epoch.startS, s) / every) % RANGE_32);
}

/** sysUpTime in TimeTicks (hundredths of a second), wrapping at 2^32 as on a real agent. */
export function uptimeTicksAt(ctx: TrafficContext, device: DeviceModel, t: number): number {
  const epoch = epochAt(ctx, device, scenarioOf(ctx, t));
  return Math.floor((t - epoch.bootWall) / 10) % TICKS_RANGE;
}

/**
 * Wi-Fi clients: the peak times the place's curve, with a stable ±15% jitter
 * per scenario minute. Whole clients, constant within each scenario minute.
 */
export function clientsAt(ctx: TrafficContext, device: DeviceModel, t: number): number {
  if (device.clientsPeak === 0) return 0;
  const local = scenarioOf(ctx, t) + ctx.utcOffsetMs;
  const minute = Math.floor(local / MINUTE_MS);
  const jitter = 0.85 + 0.3 * unit(device.id, `clients/${minute}`);
  return Math.round(((device.clientsPeak * curveAt(CURVES[device.place], local)) / 1000) * jitter);
}

/** How the clients spread over a device's two radios (or VAPs): 60% on the first, the rest on the second. */
export function perRadio(clients: number): [number, number] {
  const first = Math.ceil(clients * 0.6);
  return [first, clients - first];
}
