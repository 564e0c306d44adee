/**
 * Silences devices for the detection benchmark: drops their ICMP and UDP at
 * the input hook in an nftables table of the benchmark's own (real timeouts,
 * as a dead device gives). The table is deleted by dispose(), which the
 * cleanup registry also runs on errors, Ctrl-C and exit.
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

export class BenchNft {
  private created = false;

  constructor(readonly table = `merezha_bench_${process.pid}`) {}

  private nft(...args: string[]): void {
    execFileSync('nft', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  }

  /** Drops ICMP and UDP to a loopback address. */
  drop(address: string): void {
    if (!address.startsWith('127.')) throw new Error(`refusing to touch non-loopback address ${address}`);
    if (!this.created) {
      this.nft('add', 'table', 'inet', this.table);
      this.created = true;
      this.nft('add', 'chain', 'inet', this.table, 'in', '{ type filter hook input priority 0; policy accept; }');
    }
    this.nft('add', 'rule', 'inet', this.table, 'in', 'ip', 'daddr', address, 'meta', 'l4proto', '{ icmp, udp }', 'drop');
  }

  dispose(): void {
    if (!this.created) return;
    this.created = false;
    this.nft('delete', 'table', 'inet', this.table);
  }
}
