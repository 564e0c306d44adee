/**
 * The audit log of inventory changes made from the dashboard:
 * `<server.data_dir>/audit.log`, one JSON object a line (`AuditEntry` of
 * common/api.ts), readable by the service's user alone (0600). Appended to,
 * never rewritten; the page shows the latest lines.
 */
import { appendFile, chmod, mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { auditEntry, type AuditEntry } from '../../common/api.ts';

export const AUDIT_FILE = 'audit.log';

export class AuditLog {
  constructor(readonly file: string) {}

  static in(dataDir: string): AuditLog {
    return new AuditLog(join(dataDir, AUDIT_FILE));
  }

  async append(entry: AuditEntry): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    await appendFile(this.file, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
    // A file made by hand (or restored from a backup) with a wider mode is narrowed too.
    await chmod(this.file, 0o600);
  }

  /** The newest `limit` entries, newest first; lines that are not an entry (a torn last write) are skipped. */
  async latest(limit: number): Promise<AuditEntry[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const out: AuditEntry[] = [];
    const lines = text.split('\n');
    for (let i = lines.length - 1; i >= 0 && out.length < limit; i--) {
      const line = lines[i]!.trim();
      if (!line) continue;
      try {
        const parsed = auditEntry.safeParse(JSON.parse(line));
        if (parsed.success) out.push(parsed.data);
      } catch {
        // not JSON: skipped
      }
    }
    return out;
  }
}
