/**
 * One net-snmp agent per simulated device, all in this process, each on the
 * device's own loopback address and port, answering with the device's
 * credential only (a community for v1/v2c, a USM user for v3), so a wrong
 * community or key fails as it would on the real device.
 */
import snmp from 'net-snmp';
import type { Logger } from '../common/log.ts';
import type { SnmpCredential } from '../config/schema.ts';
import type { DeviceModel } from './devices.ts';
import { answerFor, GatedSocket } from './gate.ts';
import { registerDeviceMib, type AgentMib } from './mib.ts';
import type { World } from './world.ts';

/** The parts of net-snmp's (untyped) Agent used here. */
interface NetSnmpAgent {
  getMib(): AgentMib;
  getAuthorizer(): { addCommunity(community: string): void; addUser(user: snmp.User): void };
  close(callback?: () => void): void;
}

/** The simulation cannot start here: an address or port is taken, or nftables is required but unusable. */
export class SimulationStartError extends Error {
  override readonly name = 'SimulationStartError';
}

export interface RunningAgent {
  device: DeviceModel;
  close(): Promise<void>;
}

function authorize(agent: NetSnmpAgent, credential: SnmpCredential): void {
  const authorizer = agent.getAuthorizer();
  if (credential.version !== '3') {
    authorizer.addCommunity(credential.community);
    return;
  }
  const { auth, priv } = credential;
  const level = priv ? snmp.SecurityLevel.authPriv : auth ? snmp.SecurityLevel.authNoPriv : snmp.SecurityLevel.noAuthNoPriv;
  // The config's protocol names are net-snmp's own (md5, sha, …; des, aes, …).
  authorizer.addUser({
    name: credential.user,
    level,
    ...(auth ? { authProtocol: snmp.AuthProtocols[auth.protocol], authKey: auth.key } : {}),
    ...(priv ? { privProtocol: snmp.PrivProtocols[priv.protocol], privKey: priv.key } : {}),
  });
}

/** Starts the agent of one device; resolves once its port is bound. */
export async function startAgent(world: World, device: DeviceModel, credential: SnmpCredential, log: Logger): Promise<RunningAgent> {
  if (device.port === null) throw new RangeError(`device ${device.id} has no SNMP agent`);
  let socket: GatedSocket | undefined;
  const gate = () => answerFor(world.conditionAtWall(device.id, Date.now()), world.nft);
  const dgramModule = {
    createSocket: (type: 'udp4' | 'udp6') => {
      socket = new GatedSocket(type, gate, (err) =>
        log.error({ device: device.id, err: err.message }, 'simulated agent failed on a request'),
      );
      return socket;
    },
  };
  const agent = snmp.createAgent({ address: device.host, port: device.port, transport: 'udp4', dgramModule }, (err: Error | null) => {
    // Refused requests (wrong community or user) land here. Their messages can quote the community: log the kind only.
    if (err) log.debug({ device: device.id, error: err.name }, 'simulated agent refused a request');
  }) as NetSnmpAgent;
  const close = () => new Promise<void>((resolve) => agent.close(() => resolve()));
  try {
    await socket!.listening;
  } catch (err) {
    await close();
    throw new SimulationStartError(`cannot serve ${device.id} on ${device.host}:${device.port}: ${(err as Error).message}`);
  }
  authorize(agent, credential);
  registerDeviceMib(agent.getMib(), world, device, log);
  return { device, close };
}

/** Starts the agents of all devices that have SNMP, unlisted ones too; if one cannot start, the others are closed again. */
export async function startAgents(world: World, credentials: ReadonlyMap<string, SnmpCredential>, log: Logger): Promise<RunningAgent[]> {
  const results = await Promise.allSettled(
    [...world.devices, ...world.unlisted].filter((d) => d.port !== null).map((d) => startAgent(world, d, credentials.get(d.id)!, log)),
  );
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  const started = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  if (failed) {
    await Promise.all(started.map((a) => a.close()));
    throw failed.reason;
  }
  return started;
}
