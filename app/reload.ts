/**
 * A reload of the config, as `merezha start` does it on SIGHUP (`systemctl
 * reload merezha`): the file the process started from is read again and, when
 * it is valid, each running part takes its share of what changed
 * (`reconfigure`); the settings that need a restart keep their running values
 * (`config/reload.ts` lists the others). A file with errors changes nothing:
 * its errors are logged as `merezha check-config` prints them, and everything
 * runs on as before.
 */
import type { Collector } from '../collector/collector.ts';
import type { DailyBackups } from './backup/schedule.ts';
import type { Logger } from '../common/log.ts';
import { serviceKey } from '../common/subjects.ts';
import { ConfigError, loadConfig } from '../config/load.ts';
import { describeReload, planReload, type ReloadPlan } from '../config/reload.ts';
import type { Config } from '../config/schema.ts';
import type { Dashboard } from '../server/dashboard.ts';
import type { RunningHttpServer } from '../server/http/server.ts';
import type { Monitor } from '../server/monitor.ts';
import type { ScheduleStore } from '../server/power/schedule-store.ts';

/** The parts of a running stack that a reload changes (`Stack` is one). */
export interface Reloadable {
  config: Config;
  monitor: Monitor;
  collector: Collector;
  dashboard: Dashboard;
  http: RunningHttpServer;
  backups: DailyBackups;
  schedule: ScheduleStore;
}

export type ReloadResult = { ok: true; plan: ReloadPlan } | { ok: false; errors: string[] };

/** Reads `file` again and applies it to `stack`; one reload at a time (`merezha start` chains them). */
export async function reloadConfig(stack: Reloadable, file: string, log: Logger): Promise<ReloadResult> {
  let next: Config;
  try {
    next = loadConfig(file);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    log.error({ config: file, errors: err.errors }, `config not reloaded: ${file} has errors; running on with the config as it was`);
    return { ok: false, errors: err.errors };
  }
  const plan = planReload(stack.config, next);
  // States before polls, so that the first poll of a new device finds its place in the state engine.
  stack.monitor.reconfigure(plan.config, new Set([...plan.devices.changed, ...plan.services.changed.map(serviceKey)]));
  stack.collector.reconfigure(plan.config);
  stack.http.reconfigure(plan.config);
  stack.config = plan.config;
  await stack.dashboard.reconfigure(plan.config);
  await stack.backups.reconfigure(plan.config);
  stack.schedule.reconfigure(plan.config);
  const { devices, services, sections, restart } = plan;
  log[restart.length > 0 ? 'warn' : 'info'](
    { config: file, devices, services, sections, restart },
    `config reloaded: ${describeReload(plan)}`,
  );
  return { ok: true, plan };
}
