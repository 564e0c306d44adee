/**
 * SNMP probe: system group, the configured interface (IF-MIB) and Wi-Fi
 * clients through the device's vendor profile, in as few round trips as the
 * agent allows (one GET per poll once the interface is resolved, the vendor's
 * scalar client count folded into it).
 *
 * The runner keeps, per device, its SNMP client (its share of a session on
 * the shared socket, with its v3 engine), the resolved ifIndex and the
 * previous counter reading, so that it can turn counters into rates, see
 * reboots and survive counter wraps. A malformed reply or varbind is logged
 * with the device id and recorded in the result; it never throws. A timeout
 * the collector was too far behind to time is not measured, not a failure.
 */
import { isWifiVendor, type Config, type DeviceConfig } from '../../config/schema.ts';
import type { Logger } from '../../common/log.ts';
import { counterDelta, counterValue, isReboot, octetRate, type CounterBits } from '../counters.ts';
import {
  describeSnmpError,
  isMissing,
  netSnmpClientFactory,
  ObjectType,
  SnmpError,
  type GetResult,
  type SnmpClient,
  type SnmpClientFactory,
} from '../snmp/client.ts';
import { IF, SYS } from '../snmp/oids.ts';
import type { NotMeasuredReason, Observed, SnmpSample } from '../samples.ts';
import { deviceTargets } from '../targets.ts';
import { WIFI_VENDOR_PROFILES } from '../vendors/index.ts';
import { readWifi, wifiScalarOids, type WifiObjects } from '../vendors/types.ts';
import type { Point } from '../../storage/point.ts';
import { DeviceClients, type ClosableRunner } from '../snmp/device-clients.ts';
import type { DeviceTarget, ProbeKind } from './types.ts';

export interface InterfaceReading {
  name: string;
  index: number;
  oper_up: boolean | null;
  speed_mbps: number | null;
  in_bps: number | null;
  out_bps: number | null;
  in_errors: number | null;
  out_errors: number | null;
  in_discards: number | null;
  out_discards: number | null;
}

export interface SnmpResult {
  ok: boolean;
  error?: string;
  response_ms: number;
  sys_uptime_s?: number;
  sys_name?: string;
  sys_descr?: string;
  interface?: InterfaceReading;
  interface_error?: string;
  wifi?: { clients: number; radios_up?: number };
  wifi_error?: string;
  reboot?: { previous_uptime_s: number; uptime_s: number };
  /** Varbinds that came back missing or of the wrong type, in words. */
  warnings: string[];
  /** The collector could not time the poll (its event loop was far behind): no reading, and not a failure of the device. */
  not_measured?: NotMeasuredReason;
}

type CounterName = 'in' | 'out' | 'inErrors' | 'outErrors' | 'inDiscards' | 'outDiscards';

interface Reading {
  mono: number;
  uptimeTicks: number;
  bits: CounterBits;
  counters: Partial<Record<CounterName, bigint>>;
}

interface DeviceState {
  ifIndex?: number;
  ifName?: string;
  /** The agent has no 64-bit counters for the interface (no ifXTable, as airOS or Windows): read ifTable's. */
  ifTableOnly?: boolean;
  /** The interface's OIDs and the steady poll's GET, made when the interface is resolved, not on every poll. */
  ifOids?: InterfaceOids;
  getOids?: readonly string[];
  last?: Reading;
}

/**
 * The GET lists of steady polls, one shared frozen array per distinct list:
 * every device of a kind asks one of a handful, and a frozen list is one the
 * SNMP client may key its encoded request by (community.ts).
 */
const getLists = new Map<string, readonly string[]>();

function sharedList(oids: string[]): readonly string[] {
  const key = oids.join(' ');
  let list = getLists.get(key);
  if (list === undefined) getLists.set(key, (list = Object.freeze(oids)));
  return list;
}

interface InterfaceOids {
  oper: string;
  speed: string;
  in: string;
  out: string;
  inErrors: string;
  outErrors: string;
  inDiscards: string;
  outDiscards: string;
  bits: CounterBits;
  speedUnit: 'mbps' | 'bps';
}

/** One frozen InterfaceOids per distinct index and counter width: most devices' interfaces are among a few indexes. */
const interfaceOidSets = new Map<string, InterfaceOids>();

/**
 * SNMPv1 cannot carry Counter64: it gets the 32-bit counters and ifSpeed; so
 * does an agent that serves no ifXTable counters for the interface. Shared,
 * not made per device: eight OID strings kept by each of 20,000 devices were
 * about half a kilobyte a device.
 */
function interfaceOids(index: number, version: SnmpClient['version'], ifTableOnly = false): InterfaceOids {
  const hc = version !== '1' && !ifTableOnly;
  const key = `${index}${hc ? 'h' : ''}`;
  let oids = interfaceOidSets.get(key);
  if (oids === undefined) {
    oids = Object.freeze({
      oper: `${IF.operStatus}.${index}`,
      speed: `${hc ? IF.highSpeed : IF.speed}.${index}`,
      in: `${hc ? IF.hcInOctets : IF.inOctets}.${index}`,
      out: `${hc ? IF.hcOutOctets : IF.outOctets}.${index}`,
      inErrors: `${IF.inErrors}.${index}`,
      outErrors: `${IF.outErrors}.${index}`,
      inDiscards: `${IF.inDiscards}.${index}`,
      outDiscards: `${IF.outDiscards}.${index}`,
      bits: hc ? 64 : 32,
      speedUnit: hc ? 'mbps' : 'bps',
    } as const);
    interfaceOidSets.set(key, oids);
  }
  return oids;
}

/** net-snmp's ObjectType maps both ways; code → canonical name. */
const TYPE_NAMES = ObjectType as unknown as Record<number, string | undefined>;

/** Reads typed values out of a GET answer, noting every varbind it cannot use. */
class Reader {
  constructor(
    private readonly results: GetResult[],
    private readonly warnings: string[],
  ) {}

  /** The answer for `oid`: a dozen results in the order asked, with the asker's own strings, scan faster than a Map is built. */
  private find(oid: string): GetResult | undefined {
    for (const r of this.results) if (r.oid === oid) return r;
    return undefined;
  }

  private typed(oid: string, what: string, types: number[]): unknown {
    const r = this.find(oid);
    if (!r || isMissing(r)) {
      this.warnings.push(`${what} (${oid}) ${r ? r.missing : 'missing from the reply'}`);
      return undefined;
    }
    if (!types.includes(r.type)) {
      this.warnings.push(
        `${what} (${oid}) has type ${TYPE_NAMES[r.type] ?? r.type}, expected ${types.map((t) => TYPE_NAMES[t]).join('/')}`,
      );
      return undefined;
    }
    return r.value;
  }

  has(oid: string): boolean {
    const r = this.find(oid);
    return !!r && !isMissing(r);
  }

  string(oid: string, what: string): string | undefined {
    const v = this.typed(oid, what, [ObjectType.OctetString!]);
    return Buffer.isBuffer(v) || typeof v === 'string' ? displayString(v) : undefined;
  }

  integer(oid: string, what: string, types: number[]): number | undefined {
    const v = this.typed(oid, what, types);
    if (v === undefined) return undefined;
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    this.warnings.push(`${what} (${oid}) is not a number`);
    return undefined;
  }

  counter(oid: string, what: string): bigint | undefined {
    const v = this.typed(oid, what, [ObjectType.Counter32!, ObjectType.Counter64!]);
    if (v === undefined) return undefined;
    const c = counterValue(v);
    if (c === null) this.warnings.push(`${what} (${oid}) is not a valid counter`);
    return c ?? undefined;
  }
}

/**
 * A DisplayString as people read it: some agents end it with NUL bytes
 * (Windows' ifDescr is `…Network Connection\0`) or pad it with spaces.
 */
export function displayString(v: Buffer | string): string {
  return (Buffer.isBuffer(v) ? v.toString('utf8') : v).replace(/[\0\s]+$/, '');
}

/** Finds the ifIndex for an ifName, ifDescr or a number; null when the agent has no such interface. */
export async function resolveInterface(client: SnmpClient, spec: string | number): Promise<{ index: number; name: string } | null> {
  if (typeof spec === 'number') {
    const [r] = await client.get([`${IF.descr}.${spec}`]);
    if (!r || isMissing(r)) return null;
    return { index: spec, name: Buffer.isBuffer(r.value) ? displayString(r.value) : String(spec) };
  }
  for (const column of [IF.name, IF.descr]) {
    const rows = await client.walk(column);
    const hit = rows.find((vb) => Buffer.isBuffer(vb.value) && displayString(vb.value) === spec);
    if (hit) return { index: Number(hit.oid.slice(column.length + 1)), name: spec };
  }
  return null;
}

const INT_TYPES = [ObjectType.Integer!];
const GAUGE_TYPES = [ObjectType.Gauge!, ObjectType.Integer!];

export interface SnmpRunnerOptions {
  config: Config;
  log: Logger;
  clientFactory?: SnmpClientFactory;
  /** Monotonic clock in ms, for rates; injectable so tests can control elapsed time. */
  now?: () => number;
}

export function createSnmpRunner({
  config,
  log,
  clientFactory = netSnmpClientFactory,
  now = () => performance.now(),
}: SnmpRunnerOptions): ClosableRunner<DeviceTarget, SnmpResult> {
  const states = new Map<string, DeviceState>();
  const clients = new DeviceClients(config, clientFactory);
  const timeoutMs = config.polling.snmp.timeout;

  return {
    async run(target, signal) {
      const started = now();
      const device = target.device;
      const state = states.get(target.key) ?? {};
      states.set(target.key, state);
      const poll: Poll = {
        client: clients.of(target.key, device, config.polling.snmp.timeout),
        device,
        state,
        result: { ok: false, response_ms: 0, warnings: [] },
      };
      const cancel = clients.closeOnAbort(target.key, poll.client, signal);
      try {
        await pollDevice(poll, now, timeoutMs);
      } catch (err) {
        const e = signal.aborted ? new SnmpError('aborted', 'transport') : describeSnmpError(err, timeoutMs);
        recordError(poll.result, e);
        if (e.kind === 'malformed') log.warn({ device: device.id, err: e.message }, 'malformed SNMP reply');
      } finally {
        cancel();
      }
      poll.result.response_ms = Math.round((now() - started) * 10) / 10;
      logResult(log, device.id, poll.result);
      return poll.result;
    },
    points: snmpPoints,
    forget(key) {
      states.delete(key);
      clients.forget(key);
    },
    close: () => clients.close(),
  };
}

/** One poll of one device: its session, what the runner remembers of it, and the result being filled in. */
interface Poll {
  client: SnmpClient;
  device: DeviceConfig;
  state: DeviceState;
  result: SnmpResult;
}

const SYS_OIDS = [SYS.upTime, SYS.name, SYS.descr];
const interfaceOidList = (o: InterfaceOids) => [o.oper, o.speed, o.in, o.out, o.inErrors, o.outErrors, o.inDiscards, o.outDiscards];

/**
 * How long ago the agent read what the last answer says, best estimated: the
 * middle of the exchange, from the request leaving to its reply being read
 * off the socket. A rate divides counters by the time between two polls, so
 * the time this process took to get round to the reply (a busy event loop)
 * must not be counted as the agent's: at a 3-s interval 40 ms of it is 1.3%.
 */
function sinceAgentRead(client: SnmpClient): number {
  const a = client.lastAnswer;
  return a ? performance.now() - (a.sentAt + a.receivedAt) / 2 : 0;
}

async function pollDevice(poll: Poll, now: () => number, timeoutMs: number): Promise<void> {
  const { client, device, state, result } = poll;
  let ifOids = await ensureInterface(poll);
  const wifi = isWifiVendor(device.vendor) ? WIFI_VENDOR_PROFILES[device.vendor].objects(device) : undefined;
  state.getOids ??= sharedList([...SYS_OIDS, ...(ifOids ? interfaceOidList(ifOids) : []), ...(wifi ? wifiScalarOids(wifi) : [])]);
  const first = await client.get(state.getOids);
  let reader = new Reader(first, result.warnings);
  const mono = now() - sinceAgentRead(client);
  result.ok = true;

  const uptimeTicks = readSystem(reader, result);
  const rebooted = detectReboot(poll, uptimeTicks, mono);

  // The ifIndex may have moved (reboot, interface re-created): resolve again and re-read once.
  if (ifOids && (rebooted || !reader.has(ifOids.oper))) {
    const before = state.ifIndex;
    forgetInterface(state);
    ifOids = await ensureInterface(poll);
    if (ifOids && state.ifIndex !== before) reader = new Reader(await client.get(interfaceOidList(ifOids)), result.warnings);
  }

  // An agent without ifXTable (airOS, Windows) has the interface but no 64-bit
  // counters: read ifTable's 32-bit ones and ifSpeed, now and from now on.
  if (ifOids && ifOids.bits === 64 && reader.has(ifOids.oper) && !reader.has(ifOids.in) && !reader.has(ifOids.out)) {
    forgetInterface(state, { ifIndex: state.ifIndex, ifName: state.ifName, ifTableOnly: true });
    ifOids = (await ensureInterface(poll))!;
    reader = new Reader(await client.get(interfaceOidList(ifOids)), result.warnings);
  }

  if (ifOids && state.ifIndex !== undefined) {
    result.interface = readInterface(reader, ifOids, state, mono, uptimeTicks);
  }

  if (wifi) await readClients(poll, wifi, first, timeoutMs);
}

/** The configured interface's OIDs, resolving its ifIndex first when it is not known; undefined without one. */
async function ensureInterface({ client, device, state, result }: Poll): Promise<InterfaceOids | undefined> {
  const spec = device.snmp!.interface;
  if (spec === undefined) return undefined;
  if (state.ifOids) return state.ifOids;
  if (state.ifIndex === undefined) {
    const found = await resolveInterface(client, spec);
    if (!found) {
      result.interface_error = `interface ${JSON.stringify(spec)} not found on the agent`;
      return undefined;
    }
    state.ifIndex = found.index;
    state.ifName = found.name;
  }
  return (state.ifOids = interfaceOids(state.ifIndex, client.version, state.ifTableOnly));
}

/** Drops what the runner knew of the device's interface (and so its GET list), keeping `keep`. */
function forgetInterface(state: DeviceState, keep: Pick<DeviceState, 'ifIndex' | 'ifName' | 'ifTableOnly'> = {}): void {
  state.ifIndex = keep.ifIndex;
  state.ifName = keep.ifName;
  state.ifTableOnly = keep.ifTableOnly;
  state.ifOids = undefined;
  state.getOids = undefined;
}

/** The system group into the result; returns sysUpTime in ticks, when the agent gave it. */
function readSystem(reader: Reader, result: SnmpResult): number | undefined {
  const uptimeTicks = reader.integer(SYS.upTime, 'sysUpTime', [ObjectType.TimeTicks!]);
  if (uptimeTicks !== undefined) result.sys_uptime_s = uptimeTicks / 100;
  result.sys_name = reader.string(SYS.name, 'sysName');
  result.sys_descr = reader.string(SYS.descr, 'sysDescr');
  return uptimeTicks;
}

/** Whether sysUpTime went back since the last poll; then the counters read before are of another boot and are dropped. */
function detectReboot({ state, result }: Poll, uptimeTicks: number | undefined, mono: number): boolean {
  const last = state.last;
  if (last === undefined || uptimeTicks === undefined || !isReboot(last.uptimeTicks, uptimeTicks, mono - last.mono)) return false;
  result.reboot = { previous_uptime_s: last.uptimeTicks / 100, uptime_s: uptimeTicks / 100 };
  state.last = undefined;
  return true;
}

function readInterface(
  reader: Reader,
  o: InterfaceOids,
  state: DeviceState,
  mono: number,
  uptimeTicks: number | undefined,
): InterfaceReading {
  const oper = reader.integer(o.oper, 'ifOperStatus', INT_TYPES);
  const speedRaw = reader.integer(o.speed, o.speedUnit === 'mbps' ? 'ifHighSpeed' : 'ifSpeed', GAUGE_TYPES);
  // 0 is IF-MIB's "no idea of its bandwidth" (radios, bridges, tunnels), not a dead link.
  const speedMbps = !speedRaw ? null : o.speedUnit === 'mbps' ? speedRaw : speedRaw / 1e6;
  const counters: Reading['counters'] = {
    in: reader.counter(o.in, 'ifInOctets'),
    out: reader.counter(o.out, 'ifOutOctets'),
    inErrors: reader.counter(o.inErrors, 'ifInErrors'),
    outErrors: reader.counter(o.outErrors, 'ifOutErrors'),
    inDiscards: reader.counter(o.inDiscards, 'ifInDiscards'),
    outDiscards: reader.counter(o.outDiscards, 'ifOutDiscards'),
  };
  const prev = state.last;
  const elapsedMs = prev ? mono - prev.mono : 0;
  const speedBps = speedMbps ? speedMbps * 1e6 : null;

  const rate = (name: 'in' | 'out'): number | null => {
    const a = prev?.counters[name];
    const b = counters[name];
    if (a === undefined || b === undefined || prev!.bits !== o.bits) return null;
    return octetRate({ prev: a, cur: b, bits: o.bits, elapsedMs, speedBps }).bps;
  };
  // Error and discard counters are Counter32 everywhere; a decrease is a wrap.
  const increase = (name: CounterName): number | null => {
    const a = prev?.counters[name];
    const b = counters[name];
    if (a === undefined || b === undefined) return null;
    return Number(counterDelta(a, b, 32).delta);
  };

  const reading: InterfaceReading = {
    name: state.ifName ?? String(state.ifIndex),
    index: state.ifIndex!,
    oper_up: oper === undefined ? null : oper === 1,
    speed_mbps: speedMbps,
    in_bps: rate('in'),
    out_bps: rate('out'),
    in_errors: increase('inErrors'),
    out_errors: increase('outErrors'),
    in_discards: increase('inDiscards'),
    out_discards: increase('outDiscards'),
  };
  if (uptimeTicks !== undefined) state.last = { mono, uptimeTicks, bits: o.bits, counters };
  return reading;
}

/** Wi-Fi clients through the vendor profile; a failure there is the Wi-Fi's alone, the rest of the poll stands. */
async function readClients({ client, result }: Poll, objects: WifiObjects, first: GetResult[], timeoutMs: number): Promise<void> {
  try {
    const w = await readWifi(client, objects, first);
    result.wifi = w.radiosUp === undefined ? { clients: w.clients } : { clients: w.clients, radios_up: w.radiosUp };
  } catch (err) {
    result.wifi_error = describeSnmpError(err, timeoutMs).message;
  }
}

function recordError(result: SnmpResult, e: SnmpError): void {
  if (e.kind === 'loop_lag' && !result.ok) {
    result.not_measured = 'loop_lag';
    result.error = e.message;
  } else if (result.ok) {
    // The agent answered the system group but failed later (e.g. during the interface walk).
    result.warnings.push(e.message);
  } else {
    result.error = e.message;
  }
}

function logResult(log: Logger, device: string, result: SnmpResult): void {
  if (result.not_measured) log.warn({ device, reason: result.not_measured, err: result.error }, 'SNMP poll not measured');
  if (result.warnings.length) log.warn({ device, warnings: result.warnings }, 'SNMP reply had unusable varbinds');
  if (result.wifi_error) log.warn({ device, err: result.wifi_error }, 'cannot read Wi-Fi clients');
  if (result.interface_error) log.warn({ device, err: result.interface_error }, 'cannot read interface');
  if (result.reboot) log.info({ device, ...result.reboot }, 'device rebooted');
}

/** A device's tags with one more, made once and frozen (so the line protocol encodes their head once too), per extra key. */
function tagCache(key: string): (tags: Point['tags'], value: string) => Point['tags'] {
  const made = new WeakMap<Point['tags'], Point['tags']>();
  return (tags, value) => {
    let t = made.get(tags);
    if (t === undefined || t[key] !== value) made.set(tags, (t = Object.freeze({ ...tags, [key]: value })));
    return t;
  };
}
const withInterface = tagCache('interface');
const withVendor = tagCache('vendor');

export function snmpPoints(target: DeviceTarget, r: SnmpResult, time: number): Point[] {
  if (r.not_measured) return [];
  const points: Point[] = [];
  const snmpFields: Record<string, number> = { ok: r.ok ? 1 : 0, response_ms: r.response_ms };
  if (r.sys_uptime_s !== undefined) snmpFields.sys_uptime_s = r.sys_uptime_s;
  points.push({ measurement: 'snmp', tags: target.tags, fields: snmpFields, time });

  const i = r.interface;
  if (i) {
    const fields: Record<string, number> = {};
    if (i.oper_up !== null) fields.oper_up = i.oper_up ? 1 : 0;
    for (const key of ['speed_mbps', 'in_bps', 'out_bps', 'in_errors', 'out_errors', 'in_discards', 'out_discards'] as const) {
      const v = i[key];
      if (v !== null) fields[key] = v;
    }
    if (Object.keys(fields).length) points.push({ measurement: 'interface', tags: withInterface(target.tags, i.name), fields, time });
  }
  if (r.wifi) {
    const fields: Record<string, number> = { clients: r.wifi.clients };
    if (r.wifi.radios_up !== undefined) fields.radios_up = r.wifi.radios_up;
    points.push({ measurement: 'wifi', tags: withVendor(target.tags, target.device.vendor!), fields, time });
  }
  if (r.reboot) {
    points.push({
      measurement: 'event',
      tags: { ...target.tags, type: 'reboot' },
      fields: {
        message: `sysUpTime went back from ${r.reboot.previous_uptime_s} s to ${r.reboot.uptime_s} s`,
        value: r.reboot.uptime_s,
        previous: r.reboot.previous_uptime_s,
      },
      time,
    });
  }
  return points;
}

/**
 * What a poll says of the device's state and latest readings. A failed poll
 * clears the traffic and clients it would have measured (they are unknown
 * while the agent does not answer) and keeps the interface speed, a property
 * of the link; an answer without an interface or Wi-Fi reading keeps theirs.
 */
function snmpObservation(target: DeviceTarget, r: SnmpResult, time: number): Observed<SnmpSample> {
  if (r.not_measured) return { notMeasured: r.not_measured };
  const sample: SnmpSample = {
    source: 'snmp',
    subject: target.key,
    at: time,
    ok: r.ok,
    ...(r.error ? { error: r.error } : {}),
    ...(r.interface ? { oper_up: r.interface.oper_up, interface: r.interface.name } : {}),
    ...(r.reboot ? { reboot: r.reboot } : {}),
  };
  if (!r.ok) return { sample, latest: { in_bps: null, out_bps: null, clients: null } };
  const i = r.interface;
  return {
    sample,
    latest: {
      ...(i ? { in_bps: i.in_bps, out_bps: i.out_bps, speed_mbps: i.speed_mbps } : {}),
      ...(r.wifi ? { clients: r.wifi.clients } : {}),
    },
  };
}

export const snmpProbe: ProbeKind<DeviceTarget, SnmpResult, SnmpSample> = {
  kind: 'snmp',
  yields: 'snmp',
  targets: (config) =>
    deviceTargets(config).filter((t): t is DeviceTarget & { device: DeviceConfig & { snmp: object } } => !!t.device.snmp),
  intervalMs: (config) => config.polling.snmp.interval,
  create: (deps) => createSnmpRunner(deps),
  observe: snmpObservation,
};
