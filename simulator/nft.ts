/**
 * Takes simulated devices "off the air" with nftables: drops their packets
 * (ICMP and UDP) at the input hook in a table of our own, which gives real
 * timeouts, or drops a share of them for packet loss. The table is always
 * deleted: on dispose, and through `guardProcessExit` also when the process
 * ends on a signal or an uncaught exception.
 *
 * Only loopback addresses are ever put in a rule; the simulator checks that
 * every device lives on 127.0.0.0/8 before it starts.
 *
 * nft runs synchronously: when a call returns, its rules are in force, in
 * call order, and the simulation records that moment as when the network
 * changed. The run blocks the event loop (tens of ms); run asynchronously it
 * would still block it for the fork and exec of nft, and the agents, which
 * answer at once, would disagree with the network until nft was done.
 */
import { execFileSync, spawnSync } from 'node:child_process';

/** Why nftables cannot be used here, or undefined when it can. */
export function nftUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root for nftables';
  const probe = spawnSync('nft', ['list', 'tables'], { encoding: 'utf8' });
  if (probe.error) return 'nft is not installed (Debian package nftables)';
  if (probe.status !== 0) return `nft does not work here: ${probe.stderr.trim()}`;
  return undefined;
}

/** Packets to `address` that are dropped: all of them (100) or a share, in percent. */
export interface NftRule {
  address: string;
  dropPct: number;
}

export class NftDropper {
  readonly table: string;
  private created = false;

  constructor(name = `merezha_test_${process.pid}_${Math.floor(Math.random() * 1e6)}`) {
    this.table = name;
  }

  private nft(...args: string[]): void {
    execFileSync('nft', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  }

  /**
   * Adds the table and its chain. Done at start by a simulation: each nft run
   * blocks the event loop it shares with a collector, so the first fault
   * should cost one run, not three.
   */
  prepare(): void {
    if (this.created) return;
    this.nft('add', 'table', 'inet', this.table);
    this.nft('add', 'chain', 'inet', this.table, 'in', '{ type filter hook input priority 0; policy accept; }');
    this.created = true;
  }

  /** Drops ICMP and UDP (SNMP) to the address. */
  drop(address: string): void {
    this.prepare();
    this.nft('add', 'rule', 'inet', this.table, 'in', 'ip', 'daddr', address, 'ip', 'protocol', 'icmp', 'drop');
    this.nft('add', 'rule', 'inet', this.table, 'in', 'ip', 'daddr', address, 'meta', 'l4proto', 'udp', 'drop');
  }

  /**
   * Replaces every rule by `rules` in one nft transaction, so there is no
   * moment with half of the new rules in place.
   */
  replace(rules: readonly NftRule[]): void {
    this.prepare();
    const lines = [`flush chain inet ${this.table} in`];
    for (const { address, dropPct } of rules) {
      const share = dropPct >= 100 ? '' : ` numgen random mod 100 < ${Math.round(dropPct)}`;
      lines.push(`add rule inet ${this.table} in ip daddr ${address} meta l4proto { icmp, udp }${share} drop`);
    }
    execFileSync('nft', ['-f', '-'], { input: `${lines.join('\n')}\n`, stdio: ['pipe', 'ignore', 'pipe'] });
  }

  /** Lets everything through again (keeps the table for more rules). */
  clear(): void {
    if (this.created) this.nft('flush', 'chain', 'inet', this.table, 'in');
  }

  dispose(): void {
    if (!this.created) return;
    this.created = false;
    this.nft('delete', 'table', 'inet', this.table);
  }
}

/**
 * Runs `cleanup` (synchronously) when the process exits, also on SIGINT or
 * SIGTERM when nobody else handles them: then the signal is raised again
 * after the cleanup, so the process still ends as it would have. A program
 * with its own signal handlers (the CLI) stops the simulation itself.
 * Returns a function that removes the guard.
 */
export function guardProcessExit(cleanup: () => void): () => void {
  const signals = ['SIGINT', 'SIGTERM'] as const;
  // Called first (prepended), while every other handler is still registered, so the count is right even for `once` handlers.
  const onSignal = (signal: NodeJS.Signals) => {
    if (process.listenerCount(signal) > 1) return;
    remove();
    cleanup();
    process.kill(process.pid, signal);
  };
  const remove = () => {
    process.off('exit', cleanup);
    for (const s of signals) process.off(s, onSignal);
  };
  process.on('exit', cleanup);
  for (const s of signals) process.prependListener(s, onSignal);
  return remove;
}

/**
 * Drops TCP to one port of a loopback address at the input hook (an edge's
 * link to a NATS node), in a table of its own that is always deleted, also
 * when the process is interrupted.
 */
export class NftPortCut {
  private readonly table = `merezha_portcut_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
  private readonly unguard = guardProcessExit(() => this.lift());
  private cut = false;

  constructor(
    private readonly port: number,
    private readonly host = '127.0.0.1',
  ) {}

  apply(): void {
    const lines = [
      `add table inet ${this.table}`,
      `add chain inet ${this.table} in { type filter hook input priority 0; policy accept; }`,
      `add rule inet ${this.table} in ip daddr ${this.host} tcp dport ${this.port} drop`,
    ];
    execFileSync('nft', ['-f', '-'], { input: `${lines.join('\n')}\n`, stdio: ['pipe', 'ignore', 'pipe'] });
    this.cut = true;
  }

  lift(): void {
    if (!this.cut) return;
    this.cut = false;
    execFileSync('nft', ['delete', 'table', 'inet', this.table], { stdio: ['ignore', 'ignore', 'pipe'] });
  }

  dispose(): void {
    this.lift();
    this.unguard();
  }
}
