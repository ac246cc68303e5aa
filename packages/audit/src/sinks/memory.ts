import { type ChainHead, recordLine } from '../chain.js';
import type { AuditRecord } from '../record.js';
import { ChainedSink } from './sink.js';

/** Keeps records in memory, chained like a file's: for tests and for inspecting what would be written. */
export class MemorySink extends ChainedSink {
  /** Every record stored, in chain order. */
  readonly records: AuditRecord[] = [];

  /** @param head where the chain starts (default: empty, genesis) */
  constructor(head?: ChainHead) {
    super(head);
  }

  /** The records as the JSONL lines a file sink would write (without newlines), e.g. for `verifyRecords`. */
  lines(): string[] {
    return this.records.map(recordLine);
  }

  protected override persist(records: AuditRecord[]): void {
    for (const r of records) this.records.push(r);
  }
}
