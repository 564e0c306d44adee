/**
 * `merezha user list | add NAME --role R | reset-password NAME`: the
 * dashboard's accounts in `server.data_dir`, through the server's own store;
 * of a hromada.yaml, or with `--central` of the oblast's central.yaml, whose
 * dashboard keeps its accounts in the same stores.
 *
 * Changes are refused while Merezha (or the central) runs. The running server
 * keeps users and sessions in memory and writes each file whole (token use at
 * most once a minute, every change made on the dashboard), so a change made
 * beside it would be overwritten, and the sessions of a reset password would
 * live on in its memory. Reloading the file in the server instead would need a
 * lock between two processes around every write; a refusal cannot lose a change,
 * and stopping the service for a reset takes seconds. `list` only reads.
 */
import { existsSync } from 'node:fs';
import type { z } from 'zod';
import { createLogger, type Logger } from '../../common/log.ts';
import { formatLocalTime } from '../../common/iso-time.ts';
import { healthResponse, ROLES, userCreateRequest, type Role } from '../../common/api.ts';
import { loadCentralConfig } from '../../config/central.ts';
import type { Config } from '../../config/schema.ts';
import { randomSecret } from '../../server/auth/passwords.ts';
import { Sessions } from '../../server/auth/sessions.ts';
import { accountFiles, AuthError, UserStore } from '../../server/auth/users.ts';
import { parse, UsageError } from '../args.ts';
import { askServer } from '../running.ts';
import { loadConfigOrReport, reportConfigError } from './load.ts';

export const OPTIONS = {
  role: { type: 'string' },
  'password-stdin': { type: 'boolean', default: false },
  config: { type: 'string' },
  central: { type: 'string' },
} as const;

type Values = ReturnType<typeof parse<typeof OPTIONS>>['values'];

/** Whose accounts: a hromada's Merezha, or the oblast's central. */
interface Accounts {
  config: Pick<Config, 'server'>;
  /** Printed times are in it. */
  timezone: string;
  /** The program that serves them, as the messages name it. */
  program: string;
  /** How to stop it, for the refusal, where there is a service of ours to name. */
  stop?: string;
  /** Its `/api/health` answer, by which a running one is known. */
  health: z.ZodType;
}

async function accountsOf(values: Values): Promise<Accounts | undefined> {
  if (values.central === undefined) {
    const loaded = loadConfigOrReport(values.config);
    if (!loaded) return undefined;
    const { config } = loaded;
    return { config, timezone: config.hromada.timezone, program: 'Merezha', stop: 'systemctl stop merezha', health: healthResponse };
  }
  const config = reportConfigError(() => loadCentralConfig(values.central!));
  if (!config) return undefined;
  // Loaded only here: the central's server module brings express with it.
  const { centralHealth } = await import('../../central/server.ts');
  return { config, timezone: config.oblast.timezone, program: 'merezha central', health: centralHealth };
}

/** The password: the first line of standard input, or one generated (and printed once). */
async function newPassword(values: Values): Promise<{ password: string; generated: boolean }> {
  if (!values['password-stdin']) return { password: randomSecret(12), generated: true };
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const [firstLine = ''] = Buffer.concat(chunks).toString('utf8').split(/\r?\n/);
  return { password: firstLine, generated: false };
}

/** Names, roles, when each was made and last signed in, in the hromada's (or oblast's) time; never a hash. */
async function listUsers(accounts: Accounts, file: string, log: Logger): Promise<number> {
  if (!existsSync(file)) {
    process.stdout.write(`no users yet in ${file}: the first start of ${accounts.program} makes admin\n`);
    return 0;
  }
  const users = await UserStore.open({ file, log, firstAdmin: false });
  const time = (t: number) => formatLocalTime(t, accounts.timezone);
  const rows = [
    ['user', 'role', 'created', 'last sign-in'],
    ...users.list().map((u) => {
      const signedIn = users.lastSignIn(u.username);
      return [u.username, u.role, time(u.created), signedIn === null ? '-' : time(signedIn)];
    }),
  ];
  await users.close();
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (row: string[]) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ');
  process.stdout.write(`${rows.map((row) => line(row).trimEnd()).join('\n')}\n`);
  return 0;
}

export async function userCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, OPTIONS, true);
  const [action, name, ...extra] = positionals;
  if (action !== 'list' && action !== 'add' && action !== 'reset-password') {
    throw new UsageError('expects list, add NAME or reset-password NAME');
  }
  if (extra.length > 0 || (action === 'list') !== (name === undefined)) {
    throw new UsageError(action === 'list' ? 'list takes no NAME' : `${action} expects exactly one NAME`);
  }
  if (action !== 'add' && values.role !== undefined) throw new UsageError('--role is for add');
  if (action === 'list' && values['password-stdin']) throw new UsageError('--password-stdin is for add and reset-password');
  if (values.config !== undefined && values.central !== undefined) throw new UsageError('give --config or --central, not both');
  const role = values.role as Role | undefined;
  if (action === 'add') {
    if (role === undefined || !ROLES.includes(role)) throw new UsageError(`add expects --role ${ROLES.join('|')}`);
    const rule = userCreateRequest.shape.username.safeParse(name);
    if (!rule.success) throw new UsageError(`${JSON.stringify(name)}: ${rule.error.issues[0]!.message}`);
  }

  const accounts = await accountsOf(values);
  if (!accounts) return 1;
  const { config } = accounts;
  const files = accountFiles(config.server.data_dir);
  const log = createLogger({ level: process.env.MEREZHA_LOG_LEVEL ?? 'warn' });

  if (action === 'list') return listUsers(accounts, files.users, log);

  const server = await askServer(config, accounts.health);
  if (server.running) {
    // Something that listens but does not answer may be a Merezha stuck: a refusal is the safe side.
    const what =
      'health' in server ? `${accounts.program} is running (${server.url})` : `something listens at ${server.url} (${server.error})`;
    process.stderr.write(
      `merezha user: ${what}: stop it first${accounts.stop ? ` (${accounts.stop})` : ''}, ` +
        'or change accounts on the dashboard; the running server would overwrite a change made beside it\n',
    );
    return 1;
  }

  const users = await UserStore.open({ file: files.users, log, firstAdmin: false });
  try {
    const { password, generated } = await newPassword(values);
    if (action === 'add') {
      await users.create({ username: name!, password, role: role! });
      process.stdout.write(`added ${name} (${role})\n`);
    } else {
      await users.setPassword(name!, password);
      // Read for the current users, so sessions of users removed meanwhile are dropped too.
      const sessions = await Sessions.forConfig(config, users, log);
      const ended = await sessions.destroyUser(name!);
      await sessions.close();
      process.stdout.write(`new password set for ${name}; ${ended === 1 ? '1 session' : `${ended} sessions`} signed out\n`);
    }
    if (generated) process.stdout.write(`password (shown only this once): ${password}\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof AuthError)) throw err;
    const hint = err.code === 'not_found' ? ` (merezha user list shows the users of ${files.users})` : '';
    process.stderr.write(`merezha user: ${name}: ${err.message}${hint}\n`);
    return 1;
  } finally {
    await users.close();
  }
}
