/**
 * Takes simulated devices "off the air" with nftables: drops their packets at
 * the input hook in a table of our own, which gives real timeouts. The table is
 * always deleted, also when a test fails.
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

export class NftDropper {
  private readonly table: string;
  private created = false;

  constructor(name = `merezha_test_${process.pid}_${Math.floor(Math.random() * 1e6)}`) {
    this.table = name;
  }

  private nft(...args: string[]): void {
    execFileSync('nft', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  }

  private ensure(): void {
    if (this.created) return;
    this.nft('add', 'table', 'inet', this.table);
    this.nft('add', 'chain', 'inet', this.table, 'in', '{ type filter hook input priority 0; policy accept; }');
    this.created = true;
  }

  /** Drops ICMP and UDP (SNMP) to the address. */
  drop(address: string): void {
    this.ensure();
    this.nft('add', 'rule', 'inet', this.table, 'in', 'ip', 'daddr', address, 'ip', 'protocol', 'icmp', 'drop');
    this.nft('add', 'rule', 'inet', this.table, 'in', 'ip', 'daddr', address, 'meta', 'l4proto', 'udp', 'drop');
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
