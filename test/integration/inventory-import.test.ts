/**
 * `merezha inventory import` as a user runs it (the spawned command) on a
 * copy of config/example.yaml: a ";"-separated Windows-1251 file as old Excel
 * saves it (test/fixtures/inventory/schools-cp1251.csv) and a UTF-8 file with
 * a BOM and commas are added with every comment of the config kept, and the
 * file then loads with the new devices under their transliterated ids; a file
 * with mistakes and a dry run change nothing. Then the reload: SIGHUP to the
 * process of the pid file once /api/health answers (a stand-in process and a
 * stand-in health answer on 127.0.0.1), or what to run when it cannot be sent.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_CONFIG } from '../../cli/args.ts';
import type { HealthResponse } from '../../common/api.ts';
import { loadConfig } from '../../config/load.ts';
import { waitFor } from '../support/influxd.ts';
import { freeTcpPort } from '../support/ports.ts';

const BIN = new URL('../../bin/merezha.mjs', import.meta.url).pathname;
const CP1251 = new URL('../fixtures/inventory/schools-cp1251.csv', import.meta.url).pathname;
const EXAMPLE = await readFile(DEMO_CONFIG, 'utf8');
const comments = (text: string) => text.split('\n').filter((line) => line.trim().startsWith('#'));

let dir: string;
let config: string;
/** A TCP port nothing listens on, for "Merezha is not running". */
let idlePort: number;

/**
 * The command in the temp folder (server.data_dir is ./data/server there),
 * asking for Merezha at `port`. Not spawnSync: the test's own /api/health
 * must answer meanwhile.
 */
async function merezha(args: string[], port = idlePort): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--openssl-legacy-provider', BIN, 'inventory', ...args], {
    cwd: dir,
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const status = await new Promise<number | null>((resolve) => child.once('close', resolve));
  return { status, stdout, stderr };
}

const backups = async () => (await readdir(dir)).filter((name) => name.endsWith('.bak'));

beforeAll(async () => {
  idlePort = await freeTcpPort();
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'merezha-inventory-'));
  config = join(dir, 'hromada.yaml');
  await writeFile(config, EXAMPLE);
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('merezha inventory import', () => {
  it('imports a ";"-separated Windows-1251 file, keeping every comment, and the config loads with the new devices', async () => {
    const bytes = await readFile(CP1251);
    // The fixture is what old Excel saves: not UTF-8.
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toThrow();
    await copyFile(CP1251, join(dir, 'schools.csv'));

    const r = await merezha(['import', 'schools.csv', '--config', config]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const [copy] = await backups();
    expect(copy).toMatch(/^hromada\.yaml\.\d{4}-\d{2}-\d{2}T\d{6}Z\.bak$/);
    expect(r.stdout).toBe(
      [
        "read schools.csv as Windows-1251, ';'-separated, 5 rows",
        `added to ${config}: 1 new village, 5 devices`,
        '  Макариха (makarykha): 2 devices',
        '    makarykhska-himnaziia        institution/school   127.0.3.30  Макарихська гімназія',
        '    free-wifi-himnaziia          wifi                 127.0.3.31  Free WiFi, гімназія',
        '  new village с. Нова Осота (nova-osota): 3 devices',
        '    nova-osota-optyka-prostonet  uplink               127.0.5.1   Нова Осота, оптика ProstoNet',
        '    novoosotska-biblioteka       institution/library  127.0.5.10  Новоосотська бібліотека',
        '    yizhakivskyi-tsnap           institution/cnap     127.0.5.11  Їжаківський ЦНАП',
        `the previous file is kept as ${join(dir, copy!)}`,
        `Merezha is not running (nothing answers at http://127.0.0.1:${idlePort}/api/health): it reads the new inventory when it starts`,
        '',
      ].join('\n'),
    );

    const text = await readFile(config, 'utf8');
    expect(comments(text)).toEqual(comments(EXAMPLE));
    expect(await readFile(join(dir, copy!), 'utf8')).toBe(EXAMPLE);
    // Only lines were added: the original's lines are all there, in their order.
    const added = text.split('\n');
    let at = 0;
    for (const line of EXAMPLE.split('\n')) {
      at = added.indexOf(line, at);
      expect(at, line).toBeGreaterThanOrEqual(0);
      at++;
    }

    const loaded = loadConfig(config, {});
    const devices = (village: string) => loaded.villages.find((v) => v.id === village)?.devices ?? [];
    expect(devices('makarykha').slice(-2)).toEqual([
      expect.objectContaining({
        id: 'makarykhska-himnaziia',
        name: 'Макарихська гімназія',
        kind: 'institution',
        category: 'school',
        host: '127.0.3.30',
        provider: 'ukrtelecom',
        parent: 'makarykha-uplink-ukrtelecom',
        bandwidth_mbps: 100.5,
        installed: '2026-01-05',
        snmp: { credential: 'public-v2', port: 1161, interface: 'ether1' },
      }),
      expect.objectContaining({ id: 'free-wifi-himnaziia', kind: 'wifi', vendor: 'mikrotik', parent: 'makarykhska-himnaziia' }),
    ]);
    expect(loaded.villages.at(-1)).toMatchObject({ id: 'nova-osota', name: 'с. Нова Осота' });
    expect(devices('nova-osota').map((d) => [d.id, d.kind, d.category, d.parent, d.installed])).toEqual([
      ['nova-osota-optyka-prostonet', 'uplink', undefined, undefined, '2026-02-15'],
      ['novoosotska-biblioteka', 'institution', 'library', 'nova-osota-optyka-prostonet', undefined],
      ['yizhakivskyi-tsnap', 'institution', 'cnap', 'nova-osota-optyka-prostonet', undefined],
    ]);

    // The same file again would add every device twice: refused, as taken ids.
    const again = await merezha(['import', 'schools.csv', '--config', config]);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain(
      'schools.csv:2 Назва: makes the id "makarykhska-himnaziia", which is already a device of the config (in «Макариха»; this import only adds devices)',
    );
    expect(await readFile(config, 'utf8')).toBe(text);
  });

  it('imports a UTF-8 file with a byte order mark and "," between fields', async () => {
    const csv =
      '\uFEFFvillage,name,kind,category,host,provider,parent,bandwidth_mbps,installed\r\n' +
      'tsybuleve,"Цибулівська бібліотека, філія",institution,library,127.0.2.40,,tsybuleve-uplink-prostonet,"20,5",2026-03-01\r\n' +
      'Іванківці,Юріївський клуб,institution,culture,127.0.4.40,ukrtelecom,,,01.03.2026\r\n';
    await writeFile(join(dir, 'bom.csv'), csv);
    const r = await merezha(['import', 'bom.csv', '--config', config]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe("read bom.csv as UTF-8 with BOM, ','-separated, 2 rows");
    expect(comments(await readFile(config, 'utf8'))).toEqual(comments(EXAMPLE));
    const loaded = loadConfig(config, {});
    expect(loaded.villages.find((v) => v.id === 'tsybuleve')?.devices.at(-1)).toMatchObject({
      id: 'tsybulivska-biblioteka-filiia',
      bandwidth_mbps: 20.5,
      installed: '2026-03-01',
    });
    expect(loaded.villages.find((v) => v.id === 'ivankivtsi')?.devices.at(-1)).toMatchObject({
      id: 'yuriivskyi-klub',
      provider: 'ukrtelecom',
      installed: '2026-03-01',
    });
  });

  it('changes nothing when a row has a mistake, and prints every mistake as file:line column', async () => {
    const csv = [
      'Село,Назва,Тип,Категорія,Адреса,Провайдер,Підключено до,Встановлено',
      'Макариха,Макарихська гімназія,заклад,школа,127.0.3.30,,,',
      'Макариха,Нова школа,заклад,університет,127.0.3.300,Воля,,31.02.2026',
      'makaryha,Точка,wifi,,127.0.3.32,,Макарихська гімназія,',
      'Макариха,"Free WiFi, парк",wifi,,127.0.3.33,,,',
      'Цибулеве,"Free WiFi, парк",wifi,,127.0.2.33,,нема такого,',
    ].join('\n');
    await writeFile(join(dir, 'bad.csv'), csv);
    const r = await merezha(['import', 'bad.csv', '--config', config]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("read bad.csv as UTF-8, ','-separated, 5 rows\n");
    expect(r.stderr).toBe(
      [
        'bad.csv:3 Категорія: must be one of: school («школа»), kindergarten («заклад дошкільної освіти»), clinic («медичний заклад»), library («бібліотека»), culture («заклад культури»), council («рада / старостат»), cnap («ЦНАП»), other («заклад») (got "університет")',
        'bad.csv:3 Адреса: is not a valid IPv4 address (four numbers 0-255)',
        'bad.csv:3 Провайдер: unknown provider "Воля": the config\'s providers are ukrtelecom («Укртелеком»), prostonet («ProstoNet»), kyivstar («Київстар (4G)»), starlink («Starlink»); add a new one to providers: in the config first',
        'bad.csv:3 Встановлено: is not a real date (got "31.02.2026")',
        'bad.csv:4 Село: no village "makaryha" in the config (did you mean "makarykha"?); to add a village, write its name',
        'bad.csv:6 Назва: makes the id "free-wifi-park", which is also the id of the device on line 5; ids are unique: give the row an id (an id column) or a more specific name',
        'bad.csv:6 Підключено до: unknown device "нема такого": a parent is a device of the config or a row of this file',
        'merezha inventory import: nothing was imported',
        '',
      ].join('\n'),
    );
    expect(await readFile(config, 'utf8')).toBe(EXAMPLE);
    expect(await backups()).toEqual([]);
  });

  it('--dry-run checks everything and prints what it would add, writing nothing', async () => {
    await copyFile(CP1251, join(dir, 'schools.csv'));
    const r = await merezha(['import', 'schools.csv', '--config', config, '--dry-run']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`would add to ${config}: 1 new village, 5 devices\n  Макариха (makarykha): 2 devices\n`);
    expect(r.stdout.endsWith('dry run: nothing was written\n')).toBe(true);
    expect(await readFile(config, 'utf8')).toBe(EXAMPLE);
    expect(await backups()).toEqual([]);
  });

  it('refuses the shipped demo, a missing file, and shows its usage without a subcommand', async () => {
    const demo = spawnSync(process.execPath, ['--openssl-legacy-provider', BIN, 'inventory', 'import', 'x.csv'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, MEREZHA_CONFIG: '' },
    });
    expect([demo.status, demo.stderr]).toEqual([
      2,
      'merezha inventory: needs your config: --config FILE or MEREZHA_CONFIG (there is no config/hromada.yaml)\n',
    ]);
    const missing = await merezha(['import', 'nope.csv', '--config', config]);
    expect([missing.status, missing.stderr]).toEqual([
      1,
      'nope.csv: cannot read it: no such file\nmerezha inventory import: nothing was imported\n',
    ]);
    const bare = await merezha([]);
    expect(bare.status).toBe(2);
    expect(bare.stdout).toMatch(/^Usage: merezha inventory import FILE\.csv/);
    const unknown = await merezha(['export']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/^merezha inventory: unknown subcommand "export"\n\nUsage: merezha inventory import/);
  });
});

describe('telling a running Merezha', () => {
  const HEALTH: HealthResponse = {
    status: 'ok',
    version: 'test',
    uptime_s: 1,
    influx: true,
    reasons: [],
    collector: null,
    spool: null,
    last_backup: null,
  };
  let health: Server;
  let port: number;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    // What /api/health of a running Merezha answers, on loopback.
    health = createServer((req, res) => {
      if (req.url !== '/api/health') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(HEALTH));
    });
    await new Promise<void>((resolve) => health.listen(0, '127.0.0.1', resolve));
    port = (health.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => health?.close(resolve));
  });
  afterEach(() => {
    child?.kill('SIGKILL');
    child = undefined;
  });

  const ROW = 'village,name,kind,host\nМакариха,Точка,wifi,127.0.3.77\n';
  const pidFile = () => join(dir, 'data', 'server', 'merezha.pid');

  /** A process standing in for merezha start: it notes each SIGHUP in a file. Its script's name says merezha, as the real one's does. */
  async function standIn(): Promise<{ pid: number; hups: string }> {
    const script = join(dir, 'fake-merezha.mjs');
    const hups = join(dir, 'hups');
    await writeFile(
      script,
      `import { appendFileSync } from 'node:fs';
process.on('SIGHUP', () => appendFileSync(${JSON.stringify(hups)}, 'HUP\\n'));
setInterval(() => {}, 1000);
console.log('ready');
`,
    );
    child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    await waitFor('the stand-in to start', () => out.includes('ready'), 10_000);
    return { pid: child.pid!, hups };
  }

  it('sends SIGHUP to the pid of merezha.pid in server.data_dir, and says so', async () => {
    const { pid, hups } = await standIn();
    await mkdir(join(dir, 'data', 'server'), { recursive: true });
    await writeFile(pidFile(), `${pid}\n`);
    await writeFile(join(dir, 'one.csv'), ROW);
    const r = await merezha(['import', 'one.csv', '--config', config], port);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe(
      `sent SIGHUP to Merezha (process ${pid}): it reads the config again now, and logs what changed`,
    );
    await waitFor('the SIGHUP', async () => (await readFile(hups, 'utf8').catch(() => '')) === 'HUP\n', 10_000);
  });

  it('says what to run when there is no pid file, or its process is not Merezha', async () => {
    await writeFile(join(dir, 'one.csv'), ROW);
    const hint = 'run `systemctl reload merezha` (or send SIGHUP to merezha start) to apply it';
    const noFile = await merezha(['import', 'one.csv', '--config', config], port);
    expect(noFile.status).toBe(0);
    expect(noFile.stdout.trimEnd().split('\n').at(-1)).toBe(
      `Merezha is running (http://127.0.0.1:${port}/api/health), but has no ${pidFile()}: ${hint}`,
    );

    // A pid file left behind, its number now another program's: that program must not get SIGHUP (it would end it).
    child = spawn('sleep', ['60'], { stdio: 'ignore' });
    await mkdir(join(dir, 'data', 'server'), { recursive: true });
    await writeFile(pidFile(), `${child.pid}\n`);
    await writeFile(join(dir, 'two.csv'), ROW.replace('Точка,wifi,127.0.3.77', 'Точка 2,wifi,127.0.3.78'));
    const other = await merezha(['import', 'two.csv', '--config', config], port);
    expect(other.status).toBe(0);
    expect(other.stdout.trimEnd().split('\n').at(-1)).toBe(
      `Merezha is running (http://127.0.0.1:${port}/api/health), but process ${child.pid} of ${pidFile()} is another program: ${hint}`,
    );
    expect(child.exitCode).toBeNull();
    expect(child.signalCode).toBeNull();
  });
});
