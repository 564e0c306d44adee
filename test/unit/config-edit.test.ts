/**
 * Editing the inventory in the YAML file as written (config/edit.ts): what is
 * not edited stays byte for byte, comments included; new entries read like
 * hand-written ones; every edit is held to the loader's rules; saving keeps a
 * copy and refuses to overwrite a file changed meanwhile.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InventoryDocument, InventoryEditError, KEPT_COPIES, VersionConflictError } from '../../config/edit.ts';
import { DEMO_CONFIG } from '../../cli/args.ts';

const POMICHNA = DEMO_CONFIG.replace(/example\.yaml$/, 'example-pomichna.yaml');

const example = await readFile(DEMO_CONFIG, 'utf8');
const commentLines = (text: string) => text.split('\n').filter((l) => l.trim().startsWith('#'));

const SMALL = `hromada:
  name: Тестова громада # inline comment
snmp_credentials:
  public-v2: { version: 2c, community: public }
villages:
  # the centre
  - id: centre
    name: Центр
    devices:
      - id: centre-router
        kind: uplink
        host: \${ROUTER_HOST}
        snmp:
          credential: public-v2 # the only one
          port: 1161
  - id: empty
    name: Порожнє
    devices: []
kpis: []
`;
const ENV = { ROUTER_HOST: '127.0.0.9' };

describe('InventoryDocument', () => {
  it('adds a device to the demo config without losing a comment, in the order a person writes keys, defaults unsaid', () => {
    const doc = InventoryDocument.parse(example, 'example.yaml');
    doc.addDevice('makarykha', {
      id: 'makarykhska-himnaziia',
      kind: 'institution',
      category: 'school',
      host: '127.0.3.99',
      name: 'Макарихська гімназія',
      snmp: { port: 161, credential: 'public-v2', interface: 'ether1' },
      ping: true,
      public: false,
      installed: '2026-01-05',
    });
    const text = doc.toString();
    expect(commentLines(text)).toEqual(commentLines(example));
    expect(text).toContain(
      [
        '      - id: makarykhska-himnaziia',
        '        name: Макарихська гімназія',
        '        kind: institution',
        '        category: school',
        '        host: 127.0.3.99',
        '        installed: 2026-01-05',
        '        snmp:',
        '          credential: public-v2',
        '          interface: ether1',
        '',
      ].join('\n'),
    );
    const check = doc.check();
    expect(check.ok).toBe(true);
    if (!check.ok) return;
    const device = check.config.villages.find((v) => v.id === 'makarykha')!.devices.at(-1)!;
    expect(device).toMatchObject({ id: 'makarykhska-himnaziia', installed: '2026-01-05', snmp: { port: 161 } });
  });

  it('changes one value and leaves every other line as it was', () => {
    const doc = InventoryDocument.parse(example, 'example.yaml');
    const check = doc.check();
    if (!check.ok) throw new Error(check.errors.join('\n'));
    const loaded = check.config.villages.flatMap((v) => v.devices).find((d) => d.id === 'dmytrivka-uplink-prostonet')!;
    doc.updateDevice(loaded.id, { ...loaded, host: '127.0.1.22' });
    const before = example.split('\n');
    const after = doc.toString().split('\n');
    expect(after).toHaveLength(before.length);
    const changed = after.flatMap((line, i) => (line === before[i] ? [] : [[before[i], line]]));
    expect(changed).toEqual([['        host: 127.0.1.2', '        host: 127.0.1.22']]);
  });

  it('keeps a ${VAR} reference when the edit carries the value it expands to', () => {
    const doc = InventoryDocument.parse(SMALL, 'small.yaml');
    const check = doc.check(ENV);
    if (!check.ok) throw new Error(check.errors.join('\n'));
    const router = check.config.villages[0]!.devices[0]!;
    expect(router.host).toBe('127.0.0.9');
    const previous = process.env.ROUTER_HOST;
    process.env.ROUTER_HOST = '127.0.0.9';
    try {
      doc.updateDevice('centre-router', { ...router, name: 'Роутер' });
    } finally {
      if (previous === undefined) delete process.env.ROUTER_HOST;
      else process.env.ROUTER_HOST = previous;
    }
    const text = doc.toString();
    expect(text).toContain('host: ${ROUTER_HOST}');
    expect(text).toContain('credential: public-v2 # the only one');
    expect(text).toContain('name: Тестова громада # inline comment');
    expect(text).toContain('# the centre');
  });

  it.each([DEMO_CONFIG, POMICHNA])('rewrites nothing when every entry of %s is updated with what the loader read from it', async (file) => {
    const text = await readFile(file, 'utf8');
    const doc = InventoryDocument.parse(text, file);
    const check = doc.check();
    if (!check.ok) throw new Error(check.errors.join('\n'));
    for (const village of check.config.villages) {
      doc.updateVillage(village.id, village);
      for (const device of village.devices) doc.updateDevice(device.id, device, village.id);
    }
    for (const service of check.config.services) doc.updateService(service.id, service);
    expect(doc.toString()).toBe(text);
  });

  it('writes a changed flow-style entry again in flow style, and moves it as written', async () => {
    const text = await readFile(POMICHNA, 'utf8');
    const doc = InventoryDocument.parse(text, POMICHNA);
    const check = doc.check();
    if (!check.ok) throw new Error(check.errors.join('\n'));
    const [town, village] = check.config.villages;
    const school = town!.devices.find((d) => d.id === 'pomichna-school-2')!;
    doc.updateDevice(school.id, { ...school, host: '127.0.11.33', bandwidth_mbps: undefined, parent: 'pomichna-council' });
    doc.updateDevice(
      'pomichna-village-fap',
      village!.devices.find((d) => d.id === 'pomichna-village-fap')!,
      town!.id,
    );
    const after = doc.toString();
    expect(after).toContain(
      '      - { id: pomichna-school-2, name: Помічнянська гімназія № 2, kind: institution, category: school, host: 127.0.11.33,' +
        ' provider: prostonet, parent: pomichna-council }\n',
    );
    expect(after.indexOf('id: pomichna-village-fap')).toBeLessThan(after.indexOf('  - id: pomichna-village\n'));
    expect(commentLines(after)).toEqual(commentLines(text));
    expect(doc.check().ok).toBe(true);
  });

  it('leaves [] where the last device of a village went', () => {
    const doc = InventoryDocument.parse(SMALL, 'small.yaml');
    doc.removeDevice('centre-router');
    expect(doc.toString()).toContain('    name: Центр\n    devices: []\n  - id: empty\n');
    expect(doc.check(ENV).ok).toBe(true);
  });

  it('turns an empty flow list into a block when a device goes in, and moves a device between villages', () => {
    const doc = InventoryDocument.parse(SMALL, 'small.yaml');
    doc.addDevice('empty', { id: 'ap-1', kind: 'wifi', host: '127.0.0.10' });
    expect(doc.toString()).toContain('    devices:\n      - id: ap-1\n        kind: wifi\n        host: 127.0.0.10\n');
    doc.updateDevice('ap-1', { id: 'ap-1', kind: 'wifi', host: '127.0.0.10' }, 'centre');
    expect(doc.pathOf('device', 'ap-1')).toEqual(['villages', 0, 'devices', 1]);
    expect(doc.check(ENV).ok).toBe(true);
  });

  it('holds edits to the loader rules, with the path of each problem', () => {
    const doc = InventoryDocument.parse(SMALL, 'small.yaml');
    doc.addDevice('centre', { id: 'ap-2', kind: 'wifi', host: '127.0.0.300', parent: 'nowhere' });
    const check = doc.check(ENV);
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.problems.map((p) => [p.path.join('.'), p.message])).toEqual([
      ['villages.0.devices.1.host', 'is not a valid IPv4 address (four numbers 0-255)'],
      ['villages.0.devices.1.parent', 'unknown device "nowhere"'],
    ]);
    expect(check.errors[0]).toMatch(/^small\.yaml:\d+ villages\[0\]\.devices\[1\]\.host: /);
  });

  it('refuses unknown ids, taken ids and removing a village that still has devices', () => {
    const doc = InventoryDocument.parse(SMALL, 'small.yaml');
    const refusal = (edit: () => void) => {
      try {
        edit();
      } catch (err) {
        if (err instanceof InventoryEditError) return [err.status, err.message];
        throw err;
      }
      return undefined;
    };
    expect(refusal(() => doc.removeDevice('nope'))).toEqual([404, 'no device "nope"']);
    expect(refusal(() => doc.addDevice('nowhere', { id: 'x', kind: 'wifi', host: '127.0.0.1' }))).toEqual([404, 'no village "nowhere"']);
    expect(refusal(() => doc.addDevice('empty', { id: 'centre-router', kind: 'wifi', host: '127.0.0.1' }))).toEqual([
      409,
      'there is already a device "centre-router"',
    ]);
    expect(refusal(() => doc.removeVillage('centre'))).toEqual([409, 'village "centre" still has 1 device(s): move or remove them first']);
    doc.removeVillage('empty');
    expect(doc.pathOf('village', 'empty')).toBeUndefined();
  });

  it('edits services, creating the list when the file has none', () => {
    const doc = InventoryDocument.parse(SMALL, 'small.yaml');
    doc.addService({ id: 'site', name: 'Сайт громади', url: 'http://127.0.0.1:8080/', public: true, tls_verify: true });
    expect(doc.toString()).toContain('services:\n  - id: site\n    name: Сайт громади\n    url: http://127.0.0.1:8080/\n');
    doc.updateService('site', { id: 'site', name: 'Сайт', tcp: '127.0.0.1:80' });
    expect(doc.toString()).toContain('  - id: site\n    name: Сайт\n    tcp: 127.0.0.1:80\n');
    doc.removeService('site');
    expect(doc.pathOf('service', 'site')).toBeUndefined();
  });

  describe('save', () => {
    let dir: string;
    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'merezha-edit-'));
    });
    afterEach(() => rm(dir, { recursive: true, force: true }));

    it('replaces the file, keeps the previous one as a timestamped copy and prunes old copies', async () => {
      const file = join(dir, 'hromada.yaml');
      await writeFile(file, SMALL, { mode: 0o640 });
      for (let i = 0; i < KEPT_COPIES + 3; i++)
        await writeFile(join(dir, `hromada.yaml.2025-01-${String(i + 1).padStart(2, '0')}T000000Z.bak`), 'old');
      const doc = await InventoryDocument.read(file);
      doc.addDevice('empty', { id: 'ap-1', kind: 'wifi', host: '127.0.0.10' });
      const saved = await doc.save(new Date('2026-12-05T19:30:00.123Z'));
      expect(saved.copy).toBe(`${file}.2026-12-05T193000Z.bak`);
      expect(await readFile(saved.copy, 'utf8')).toBe(SMALL);
      expect(await readFile(file, 'utf8')).toBe(doc.toString());
      const copies = (await readdir(dir)).filter((n) => n.endsWith('.bak')).sort();
      expect(copies).toHaveLength(KEPT_COPIES);
      expect(copies.at(-1)).toBe('hromada.yaml.2026-12-05T193000Z.bak');
      expect((await InventoryDocument.read(file)).version).toBe(saved.version);
    });

    it('refuses to overwrite a file changed on disk since it was read, and changes nothing', async () => {
      const file = join(dir, 'hromada.yaml');
      await writeFile(file, SMALL);
      const doc = await InventoryDocument.read(file);
      doc.removeVillage('empty');
      const edited = `${SMALL}# edited by hand meanwhile\n`;
      await writeFile(file, edited);
      await expect(doc.save()).rejects.toBeInstanceOf(VersionConflictError);
      expect(await readFile(file, 'utf8')).toBe(edited);
      expect(await readdir(dir)).toEqual(['hromada.yaml']);
    });
  });
});
