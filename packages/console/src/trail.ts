import { readFile, stat } from 'node:fs/promises';
import { type AuditRecord, parseRecord, type VerifyResult, verify } from '@tollgate/audit';

/** One audit file as last read: its records and its chain's verification. */
export interface TrailFile {
  path: string;
  /** `verify()`'s answer for the whole file; `error` when it could not be read. */
  verify: VerifyResult | undefined;
  error?: string;
  records: AuditRecord[];
}

/**
 * The audit trail the console shows: JSONL files written by `JsonlFileSink` (the agents' and the console's own),
 * each verified as a whole chain. A file is read again only when its size or mtime changed.
 */
export class AuditTrail {
  private readonly cache = new Map<string, { key: string; file: TrailFile }>();

  constructor(readonly paths: readonly string[]) {}

  /** Every file, read (again if it changed) and verified. */
  async files(): Promise<TrailFile[]> {
    return Promise.all(this.paths.map((p) => this.read(p)));
  }

  /** Records of a call id, trace id or approval id, in file order, each with its file. */
  async find(id: string): Promise<{ file: TrailFile; record: AuditRecord }[]> {
    const out: { file: TrailFile; record: AuditRecord }[] = [];
    for (const file of await this.files()) {
      for (const record of file.records) {
        if (record.callId === id || record.traceId === id || record.approvalId === id || record.resumedFrom === id) {
          out.push({ file, record });
        }
      }
    }
    return out;
  }

  /** Approval decisions (`approval` records), newest first, at most `limit`. */
  async decisions(limit = 200): Promise<{ file: TrailFile; record: AuditRecord }[]> {
    const all = (await this.files()).flatMap((file) =>
      file.records.filter((r) => r.kind === 'approval').map((record) => ({ file, record })),
    );
    return all.sort((a, b) => b.record.ts.localeCompare(a.record.ts)).slice(0, limit);
  }

  private async read(path: string): Promise<TrailFile> {
    let key: string;
    try {
      const s = await stat(path);
      key = `${s.size}:${s.mtimeMs}`;
    } catch (err) {
      return { path, verify: undefined, error: (err as Error).message, records: [] };
    }
    const cached = this.cache.get(path);
    if (cached?.key === key) return cached.file;
    try {
      const [text, result] = await Promise.all([readFile(path, 'utf8'), verify(path)]);
      const records: AuditRecord[] = [];
      for (const line of text.split('\n')) {
        const record = line ? parseRecord(line) : undefined;
        if (record) records.push(record);
      }
      const file: TrailFile = { path, verify: result, records };
      this.cache.set(path, { key, file });
      return file;
    } catch (err) {
      return { path, verify: undefined, error: (err as Error).message, records: [] };
    }
  }
}
