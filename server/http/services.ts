/**
 * Everything a route handler may use, in one object: the dashboard, the
 * accounts, and the process's own health. Built once by `startHttpServer`;
 * the in-process API tests build it with their own parts. `WebServices` is
 * the part sign-in and the app shell need, which the oblast's server
 * (`central/server.ts`) shares.
 */
import type { Logger } from '../../common/log.ts';
import type { Config } from '../../config/schema.ts';
import type { LoginThrottle } from '../auth/throttle.ts';
import type { Sessions } from '../auth/sessions.ts';
import type { UserStore } from '../auth/users.ts';
import type { Dashboard } from '../dashboard.ts';
import type { BackupLedger } from '../backups.ts';
import type { HealthCheck } from '../health.ts';
import type { InventoryEditor } from '../inventory-edit/editor.ts';
import type { PowerSources } from '../views/power.ts';
import type { Metrics } from './metrics.ts';

/** What signing in, sessions, API tokens and the static web need, of any server of ours. */
export interface WebServices {
  /** Only `server.*` (cookies, proxies, map tiles) is read through this. */
  config: Pick<Config, 'server'>;
  log: Logger;
  users: UserStore;
  sessions: Sessions;
  throttle: LoginThrottle;
  metrics: Metrics;
  version: string;
  startedAt: number;
  /** Closes the live connections of a session or of every session of a user (logout, removal, password change). */
  disconnect(target: { sessionId: string } | { username: string }): void;
}

export interface Services extends WebServices {
  config: Config;
  dashboard: Dashboard;
  /** Whether InfluxDB takes writes now. */
  influxUp(): boolean;
  /** The record of backups made, by the CLI or the daily schedule. */
  backups: BackupLedger;
  /** The answer of `/api/health` but its version and uptime. */
  health: HealthCheck;
  /** Edits the config file Merezha runs from and applies it; absent when it was started without one. */
  inventory?: InventoryEditor | undefined;
  /** The power tracker and the blackout schedule; absent in a process without them (every power state unknown, no slots). */
  power?: PowerSources | undefined;
}
