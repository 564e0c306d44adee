/**
 * A local influxd that Merezha starts, watches and stops itself, for when no
 * InfluxDB is configured (`npm start`) and for tests.
 *
 * Everything lives in one directory: the config, meta/data/wal, the chosen
 * ports (reused on the next start when free) and a pid file (to stop an
 * influxd orphaned by a crash before starting a second one on the same data).
 * It listens on 127.0.0.1 only and has usage reporting off, so it never
 * sends a packet off the machine. Auth is on: any local process, or a web
 * page in a local browser (influxd answers every Origin), could otherwise
 * read, forge or drop the data. Merezha's admin user and its generated
 * password live in the folder (0600); a folder from before auth gets them at
 * its next start.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { delimiter, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../common/log.ts';
import { authorizationHeader, type InfluxLogin } from './influx-client.ts';
import { ident, literal, runInfluxQL } from './influx-query.ts';
import { freeTcpPorts, isTcpPortFree, LOOPBACK, startOnFreePorts } from './ports.ts';

export interface ManagedInfluxdOptions {
  dir: string;
  /** Preferred ports; by default the ones remembered in `dir`, else 8086/8088. Busy ones are replaced. */
  httpPort?: number;
  rpcPort?: number;
  log: Logger;
  /** The influxd executable, looked up on PATH when it has no slash. */
  binary?: string;
  readyTimeoutMs?: number;
  stopTimeoutMs?: number;
  /** False only for the tests' throwaway influxds, which many tests query bare. */
  auth?: boolean;
}

export interface ManagedInfluxd {
  url: string;
  httpPort: number;
  rpcPort: number;
  dir: string;
  /** The admin user every request must use; undefined when started without auth. */
  login: InfluxLogin | undefined;
  /** SIGTERM, SIGKILL after a timeout; resolves once the process is gone. Supervision ends too. */
  stop(): Promise<void>;
  /** Stops influxd if it runs and starts it again on the same ports and data. */
  restart(): Promise<void>;
}

interface Ports {
  http: number;
  rpc: number;
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: Error;
}

/** One influxd process. */
interface Run {
  child: ChildProcess;
  startedAt: number;
  exited: Promise<Exit>;
  running: boolean;
}

const DEFAULT_PORTS: Ports = { http: 8086, rpc: 8088 };
const PORTS_FILE = 'ports.json';
const PID_FILE = 'influxd.pid';
const CONFIG_FILE = 'influxdb.conf';
const LOGIN_FILE = 'admin-login.json';
const ADMIN_USER = 'merezha';
/** The pid of the Merezha process using the folder: a second one must not take over (and stop) the first one's influxd. */
const OWNER_FILE = 'owner.pid';

export class ManagedInfluxdBusyError extends Error {}

/** The pid of another live Merezha process using the folder, if one does. */
export async function folderOwner(dir: string): Promise<number | undefined> {
  const owner = Number((await readFile(join(dir, OWNER_FILE), 'utf8').catch(() => '')).trim());
  if (owner > 0 && owner !== process.pid && isAlive(owner)) {
    const cmdline = await readFile(`/proc/${owner}/cmdline`, 'utf8').catch(() => '');
    // A reused pid of some other program does not count.
    if (cmdline.includes('node')) return owner;
  }
  return undefined;
}

async function claimFolder(dir: string): Promise<void> {
  const owner = await folderOwner(dir);
  if (owner !== undefined) {
    throw new ManagedInfluxdBusyError(
      `another Merezha (pid ${owner}) is using the influxd in ${dir}; stop it first, or set storage.managed_dir to another folder`,
    );
  }
  await writeFile(join(dir, OWNER_FILE), `${process.pid}\n`);
}
const READY_POLL_MS = 50;
const RESTART_MIN_MS = 1_000;
const RESTART_MAX_MS = 60_000;
/** A run this long counts as healthy: the next crash starts the back-off afresh. */
const STABLE_RUN_MS = 60_000;
const OUTPUT_TAIL_LINES = 20;

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function findExecutable(name: string): Promise<string> {
  const candidates = name.includes('/')
    ? [resolve(name)]
    : (process.env.PATH ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, name));
  for (const candidate of candidates) if (await isExecutable(candidate)) return candidate;
  throw new Error(`influxd was not found (looked for "${name}" on PATH). Install the Debian package influxdb: apt-get install influxdb`);
}

/** TOML basic strings take JSON's escapes. */
const tomlString = (text: string) => JSON.stringify(text);

function renderConfig(dir: string, ports: Ports, auth: boolean): string {
  return `# Written by Merezha at every start; edits are overwritten.
reporting-disabled = true
bind-address = ${tomlString(`${LOOPBACK}:${ports.rpc}`)}

[meta]
  dir = ${tomlString(join(dir, 'meta'))}

[data]
  dir = ${tomlString(join(dir, 'data'))}
  wal-dir = ${tomlString(join(dir, 'wal'))}
  query-log-enabled = false

[http]
  enabled = true
  bind-address = ${tomlString(`${LOOPBACK}:${ports.http}`)}
  auth-enabled = ${auth}
  log-enabled = false

[monitor]
  store-enabled = false

[continuous_queries]
  enabled = true
  log-enabled = false
`;
}

/** The admin login kept in the managed influxd's folder, if it has one. */
export async function readManagedLogin(dir: string): Promise<InfluxLogin | undefined> {
  try {
    const saved = JSON.parse(await readFile(join(dir, LOGIN_FILE), 'utf8')) as Partial<InfluxLogin>;
    if (typeof saved.username === 'string' && typeof saved.password === 'string')
      return { username: saved.username, password: saved.password };
  } catch {
    // none yet, or unreadable: a new one is made
  }
  return undefined;
}

/**
 * The folder's login, made on first use. It is on disk before the user exists
 * in influxd, so a crash in between leaves a password the next start creates
 * the user with.
 */
async function loginOf(dir: string): Promise<InfluxLogin> {
  const file = join(dir, LOGIN_FILE);
  const saved = await readManagedLogin(dir);
  if (saved) {
    await chmod(file, 0o600);
    return saved;
  }
  const login = { username: ADMIN_USER, password: randomBytes(24).toString('base64url') };
  const temp = `${file}.tmp`;
  await rm(temp, { force: true });
  await writeFile(temp, JSON.stringify(login) + '\n', { mode: 0o600 });
  await rename(temp, file);
  return login;
}

const createAdmin = (login: InfluxLogin) =>
  `CREATE USER ${ident(login.username)} WITH PASSWORD ${literal(login.password)} WITH ALL PRIVILEGES`;

async function accepts(url: string, login: InfluxLogin): Promise<boolean> {
  try {
    await runInfluxQL(url, 'SHOW USERS', { headers: authorizationHeader(login), timeoutMs: 5_000 });
    return true;
  } catch {
    return false;
  }
}

/** The ports the managed influxd of `dir` listens on (or last did), as its folder remembers them. */
export async function readRememberedPorts(dir: string): Promise<Partial<Ports>> {
  try {
    const saved = JSON.parse(await readFile(join(dir, PORTS_FILE), 'utf8')) as Partial<Ports>;
    return { http: Number.isInteger(saved.http) ? saved.http : undefined, rpc: Number.isInteger(saved.rpc) ? saved.rpc : undefined };
  } catch {
    return {};
  }
}

async function choosePorts(dir: string, options: ManagedInfluxdOptions): Promise<Ports> {
  const remembered = await readRememberedPorts(dir);
  const preferred: Ports = {
    http: options.httpPort ?? remembered.http ?? DEFAULT_PORTS.http,
    rpc: options.rpcPort ?? remembered.rpc ?? DEFAULT_PORTS.rpc,
  };
  const chosen: Ports = { ...preferred };
  const taken = new Set<number>();
  for (const kind of ['http', 'rpc'] as const) {
    if (taken.has(preferred[kind]) || !(await isTcpPortFree(preferred[kind]))) {
      let port: number;
      do [port] = (await freeTcpPorts(1)) as [number];
      while (taken.has(port));
      chosen[kind] = port;
      options.log.warn({ wanted: preferred[kind], using: port }, `influxd ${kind} port ${preferred[kind]} is busy; using ${port}`);
    }
    taken.add(chosen[kind]);
  }
  await writeFile(join(dir, PORTS_FILE), JSON.stringify(chosen) + '\n');
  return chosen;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the promise settles within the time; the timer does not outlive the answer. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  const timeout = new AbortController();
  try {
    return await Promise.race([promise.then(() => true), sleep(ms, false, { signal: timeout.signal })]);
  } finally {
    timeout.abort();
  }
}

async function waitUntilGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(READY_POLL_MS);
  }
  return true;
}

/**
 * An influxd left running by a crashed Merezha would share the data dir with
 * the one we start, and two servers on one data dir corrupt it. Only a process
 * whose command line names our config file is stopped.
 */
async function stopLeftover(dir: string, configPath: string, stopTimeoutMs: number, log: Logger): Promise<void> {
  let pid: number;
  let cmdline: string;
  try {
    pid = Number((await readFile(join(dir, PID_FILE), 'utf8')).trim());
    cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').join(' ');
  } catch {
    return; // no pid file, or that process is gone
  }
  if (!cmdline.includes('influxd') || !cmdline.includes(configPath)) return;
  log.warn({ pid }, 'stopping an influxd left running by an earlier Merezha');
  process.kill(pid, 'SIGTERM');
  if (!(await waitUntilGone(pid, stopTimeoutMs))) {
    process.kill(pid, 'SIGKILL');
    await waitUntilGone(pid, stopTimeoutMs);
  }
}

class InfluxdProcess implements ManagedInfluxd {
  readonly url: string;
  private run: Run | null = null;
  private supervision: Promise<void> = Promise.resolve();
  private stopping = new AbortController();
  private readonly output: string[] = [];
  private readonly killOnExit = () => {
    if (this.run?.running) this.run.child.kill('SIGTERM');
  };

  constructor(
    private readonly binary: string,
    private readonly configPath: string,
    readonly dir: string,
    private readonly ports: Ports,
    readonly login: InfluxLogin | undefined,
    private readonly log: Logger,
    private readonly readyTimeoutMs: number,
    private readonly stopTimeoutMs: number,
  ) {
    this.url = `http://${LOOPBACK}:${ports.http}`;
  }

  /** Writes the config and starts influxd; with auth, makes sure the folder's admin login works. */
  async open(): Promise<void> {
    const login = this.login;
    await writeFile(this.configPath, renderConfig(this.dir, this.ports, login !== undefined));
    await this.start();
    if (login === undefined || (await accepts(this.url, login))) return;
    // No user yet (a new folder, or one from before auth): influxd then takes this one statement without credentials.
    try {
      await runInfluxQL(this.url, createAdmin(login), { timeoutMs: 5_000 });
      this.log.info({ user: login.username, file: join(this.dir, LOGIN_FILE) }, 'created the admin user of the managed influxd');
      return;
    } catch {
      // users exist, and ours does not have this password
    }
    // The login file was lost or replaced. Setting the password needs auth off
    // for a moment, on loopback, before anything else uses this influxd.
    this.log.warn(
      { user: login.username, file: join(this.dir, LOGIN_FILE) },
      'the managed influxd does not accept its admin login; resetting it',
    );
    await this.stop();
    await writeFile(this.configPath, renderConfig(this.dir, this.ports, false));
    await this.start();
    const users = await runInfluxQL(this.url, 'SHOW USERS', { timeoutMs: 5_000 });
    const statements = users.some((row) => row.user === login.username)
      ? [`SET PASSWORD FOR ${ident(login.username)} = ${literal(login.password)}`, `GRANT ALL PRIVILEGES TO ${ident(login.username)}`]
      : [createAdmin(login)];
    for (const statement of statements) await runInfluxQL(this.url, statement, { timeoutMs: 5_000 });
    await this.stop();
    await claimFolder(this.dir);
    await writeFile(this.configPath, renderConfig(this.dir, this.ports, true));
    await this.start();
    if (!(await accepts(this.url, login))) throw new Error(`the managed influxd in ${this.dir} refuses its admin login after a reset`);
  }

  get httpPort(): number {
    return this.ports.http;
  }

  get rpcPort(): number {
    return this.ports.rpc;
  }

  async start(): Promise<void> {
    this.stopping = new AbortController();
    // influxd runs in its own process group (so a Ctrl-C meant for Merezha does
    // not kill it behind the supervisor's back); this stops it if we exit without stop().
    process.on('exit', this.killOnExit);
    let run: Run;
    try {
      run = await this.launch();
    } catch (err) {
      process.off('exit', this.killOnExit);
      throw err;
    }
    this.supervision = this.supervise(run);
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    const run = this.run;
    if (run?.running) {
      run.child.kill('SIGTERM');
      if (!(await settlesWithin(run.exited, this.stopTimeoutMs))) {
        this.log.warn({ pid: run.child.pid, timeoutMs: this.stopTimeoutMs }, 'influxd did not stop after SIGTERM; sending SIGKILL');
        run.child.kill('SIGKILL');
      }
      await run.exited;
    }
    await this.supervision;
    process.off('exit', this.killOnExit);
    await rm(join(this.dir, OWNER_FILE), { force: true });
    await rm(join(this.dir, PID_FILE), { force: true });
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Spawns influxd and waits until /ping answers; throws (leaving no process) if it does not. */
  private async launch(): Promise<Run> {
    // The supervisor's back-off may end just as stop() is called.
    if (this.stopping.signal.aborted) throw new Error('influxd is being stopped');
    const child = spawn(this.binary, ['-config', this.configPath], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const run: Run = {
      child,
      startedAt: Date.now(),
      running: true,
      exited: new Promise<Exit>((done) => {
        child.once('exit', (code, signal) => done({ code, signal }));
        // Spawn failures (EACCES, ...) may come without an exit event.
        child.once('error', (error) => done({ code: null, signal: null, error }));
      }),
    };
    void run.exited.then(() => {
      run.running = false;
    });
    // Visible to stop() from now on, so a stop during start kills this process.
    this.run = run;
    for (const stream of [child.stdout, child.stderr]) {
      if (stream) createInterface({ input: stream }).on('line', (line) => this.onOutput(line));
    }
    if (child.pid !== undefined) await writeFile(join(this.dir, PID_FILE), `${child.pid}\n`);
    try {
      await this.waitReady(run);
    } catch (err) {
      if (run.running) {
        child.kill('SIGKILL');
        await run.exited;
      }
      throw err;
    }
    this.log.info({ pid: child.pid, url: this.url, dir: this.dir }, 'influxd is ready');
    return run;
  }

  private async waitReady(run: Run): Promise<void> {
    const deadline = Date.now() + this.readyTimeoutMs;
    while (Date.now() < deadline) {
      if (!run.running) {
        const exit = await run.exited;
        throw new Error(
          `influxd exited while starting (${exit.error?.message ?? `code ${exit.code}, signal ${exit.signal}`}). Its last output:\n${this.output.join('\n')}`,
        );
      }
      if (await this.answersPing()) return;
      await sleep(READY_POLL_MS);
    }
    throw new Error(
      `influxd did not answer ${this.url}/ping within ${this.readyTimeoutMs} ms. Its last output:\n${this.output.join('\n')}`,
    );
  }

  private async answersPing(): Promise<boolean> {
    try {
      const response = await fetch(`${this.url}/ping`, { signal: AbortSignal.timeout(1_000) });
      return response.status === 204;
    } catch {
      return false;
    }
  }

  /** Restarts influxd with back-off whenever it dies while it should be running. */
  private async supervise(first: Run): Promise<void> {
    let { exited, startedAt } = first;
    let crashes = 0;
    for (;;) {
      const exit = await exited;
      if (this.stopping.signal.aborted) return;
      crashes = Date.now() - startedAt >= STABLE_RUN_MS ? 1 : crashes + 1;
      const delay = Math.min(RESTART_MIN_MS * 2 ** (crashes - 1), RESTART_MAX_MS);
      this.log.error(
        { code: exit.code, signal: exit.signal, err: exit.error?.message, output: this.output.join('\n'), restartInMs: delay },
        'influxd exited unexpectedly; restarting it',
      );
      try {
        await sleep(delay, undefined, { signal: this.stopping.signal });
        ({ exited, startedAt } = await this.launch());
      } catch (err) {
        if (this.stopping.signal.aborted) return;
        // A failed start counts as one more crash, with the reason for the log.
        exited = Promise.resolve({ code: null, signal: null, error: err instanceof Error ? err : new Error(String(err)) });
        startedAt = Date.now();
      }
    }
  }

  private onOutput(line: string): void {
    this.output.push(line);
    if (this.output.length > OUTPUT_TAIL_LINES) this.output.shift();
    // influxd logs in logfmt; its warnings and errors matter to an operator, the rest is noise.
    this.log[/\blvl=(warn|error)\b/.test(line) ? 'warn' : 'debug']({ influxd: line }, 'influxd');
  }
}

/** Starts influxd in `dir` and resolves once it answers /ping. */
export async function startManagedInfluxd(options: ManagedInfluxdOptions): Promise<ManagedInfluxd> {
  const binary = await findExecutable(options.binary ?? 'influxd');
  const dir = resolve(options.dir);
  const configPath = join(dir, CONFIG_FILE);
  const stopTimeoutMs = options.stopTimeoutMs ?? 10_000;
  await mkdir(dir, { recursive: true });
  await claimFolder(dir);
  await stopLeftover(dir, configPath, stopTimeoutMs, options.log);
  const login = options.auth === false ? undefined : await loginOf(dir);
  return startOnFreePorts(async () => {
    const ports = await choosePorts(dir, options);
    const influxd = new InfluxdProcess(binary, configPath, dir, ports, login, options.log, options.readyTimeoutMs ?? 30_000, stopTimeoutMs);
    try {
      await influxd.open();
      return influxd;
    } catch (err) {
      await influxd.stop();
      throw err;
    }
  });
}
