/**
 * Where each part of an installation sits inside a backup archive, for the
 * backup that writes it and the restore that reads it.
 */
import { accountFiles } from '../../server/auth/users.ts';
import { maintenanceFile } from '../../server/maintenance-windows.ts';

export const CONFIG_MEMBER = 'config/hromada.yaml';
export const SERVER_DIR = 'server';
export const INFLUX_DIR = 'influx';

/**
 * The files of `server.data_dir` an archive carries, by their name in it: the
 * accounts with their API tokens, and the maintenance windows. Sessions stay
 * out: a restore signs everyone in again, with the passwords they had.
 */
export function serverFilesOf(dataDir: string): Record<string, string> {
  return { 'users.json': accountFiles(dataDir).users, 'maintenance.json': maintenanceFile(dataDir) };
}
