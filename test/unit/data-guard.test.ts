import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  installDataGuard,
  isGuarded,
  listInstallation,
  listingChanges,
  REPO_ROOT,
  takeTouched,
  USER_DATA_DIR,
  UserDataTouched,
} from '../support/data-guard.ts';
import { testConfig } from '../support/config.ts';

const USERS = join(USER_DATA_DIR, 'server', 'users.json');

describe('the data guard', () => {
  it("guards the installation's data folder and config, and nothing beside them", () => {
    expect(isGuarded(USER_DATA_DIR)).toBe(true);
    expect(isGuarded(USERS)).toBe(true);
    expect(isGuarded(join(REPO_ROOT, 'config', 'hromada.yaml'))).toBe(true);
    expect(isGuarded(join(REPO_ROOT, 'data-old', 'users.json'))).toBe(false);
    expect(isGuarded(join(REPO_ROOT, 'config', 'example.yaml'))).toBe(false);
    expect(isGuarded(join(tmpdir(), 'data', 'server'))).toBe(false);
  });

  it('guards every default path of the config, as `npm start` resolves them in the checkout', () => {
    const { storage, server } = testConfig({ villages: [{ id: 'v', name: 'V' }] });
    for (const path of [storage.spool_dir, storage.managed_dir, server.data_dir])
      expect(isGuarded(resolve(REPO_ROOT, path)), path).toBe(true);
  });

  it('throws on a guarded path in every form of call, and records it even when the error is caught', async () => {
    installDataGuard(); // the setup file did already: a second call changes nothing
    expect(() => readFileSync(USERS)).toThrow(UserDataTouched);
    expect(() => existsSync(USERS)).toThrow(UserDataTouched);
    expect(() => mkdirSync(join(USER_DATA_DIR, 'server'), { recursive: true })).toThrow(UserDataTouched);
    expect(() => writeFileSync(pathToFileURL(USERS), '{}')).toThrow(UserDataTouched);
    await expect(readFile(USERS)).rejects.toThrow(UserDataTouched);
    await writeFile('data/server/maintenance.json', '[]').catch(() => {});
    expect(takeTouched()).toEqual([
      `fs.readFileSync(${USERS})`,
      `fs.existsSync(${USERS})`,
      `fs.mkdirSync(${join(USER_DATA_DIR, 'server')})`,
      `fs.writeFileSync(${USERS})`,
      `fs.promises.readFile(${USERS})`,
      `fs.promises.writeFile(${join(USER_DATA_DIR, 'server', 'maintenance.json')})`,
    ]);
    expect(takeTouched()).toEqual([]);
  });

  it('lets a temp dir through', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'merezha-guard-'));
    try {
      mkdirSync(join(dir, 'data', 'server'), { recursive: true });
      await writeFile(join(dir, 'data', 'server', 'users.json'), '{}');
      expect(await readFile(join(dir, 'data', 'server', 'users.json'), 'utf8')).toBe('{}');
      expect(takeTouched()).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('lists what an installation keeps, and names what changed in it', async () => {
    const root = await mkdtemp(join(tmpdir(), 'merezha-guard-checkout-'));
    try {
      mkdirSync(join(root, 'data', 'server'), { recursive: true });
      mkdirSync(join(root, 'config'));
      writeFileSync(join(root, 'data', 'server', 'users.json'), '{}');
      writeFileSync(join(root, 'config', 'example.yaml'), 'not part of an installation');
      const before = listInstallation(root);
      expect([...before.keys()]).toEqual(['data', 'data/server', 'data/server/users.json']);
      expect(listingChanges(before, listInstallation(root))).toEqual([]);

      writeFileSync(join(root, 'data', 'server', 'users.json'), '{"version":1}');
      writeFileSync(join(root, 'config', 'hromada.yaml'), 'hromada: { name: X }\n');
      const changes = listingChanges(before, listInstallation(root));
      expect(changes).toHaveLength(2);
      expect(changes[0]).toMatch(/^changed data\/server\/users\.json: file 2 bytes, .* -> file 13 bytes/);
      expect(changes[1]).toMatch(/^created config\/hromada\.yaml \(file 21 bytes/);
      expect(listingChanges(listInstallation(root, [join(root, 'data')]), new Map())).toEqual(['removed config/hromada.yaml']);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
