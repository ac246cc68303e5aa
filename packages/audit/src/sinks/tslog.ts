import { type ILogObj, Logger } from 'tslog';
import type { ChainHead } from '../chain.js';
import type { AuditRecord } from '../record.js';
import { ChainedSink } from './sink.js';

/** The part of a tslog logger the sink uses; any tslog 5 `Logger` (or `createTestLogger().logger`) fits. */
export interface AuditLogger {
  info(...args: unknown[]): unknown;
  flush(): Promise<void>;
}

/** Options for {@link TslogSink}. */
export interface TslogSinkOptions {
  /**
   * Output of the logger the sink creates: `'pretty'` for development, `'json'` (one line per record) for
   * production. Default: `'json'` when `NODE_ENV` is `production`, else `'pretty'`. Ignored with `logger`.
   */
  type?: 'pretty' | 'json' | 'hidden';
  /** Logger name (default `tollgate.audit`). Ignored with `logger`. */
  name?: string;
  /** Use this tslog logger instead. Give it no `mask` settings: records are redacted and hashed already. */
  logger?: AuditLogger;
  /** Where the chain starts (default: genesis). The chain lives in memory, so a restart starts a new one. */
  head?: ChainHead;
}

/**
 * Logs each record through tslog 5 at INFO, under the `audit` field (`{ audit: record }`), so the record's
 * own fields never collide with tslog's. The chain is computed as for a file: pick the `audit` objects out of
 * the JSON lines, in order, and `verifyRecords` checks them.
 */
export class TslogSink extends ChainedSink {
  /** The logger records go to. */
  readonly logger: AuditLogger;

  /** Creates a tslog logger unless `options.logger` is given. */
  constructor(options: TslogSinkOptions = {}) {
    super(options.head);
    this.logger =
      options.logger ??
      new Logger<ILogObj>({
        name: options.name ?? 'tollgate.audit',
        type: options.type ?? (process.env.NODE_ENV === 'production' ? 'json' : 'pretty'),
      });
  }

  protected override persist(records: AuditRecord[]): void {
    for (const record of records) {
      this.logger.info({ audit: record }, `audit ${record.kind} ${record.tool} ${record.status ?? ''}`.trimEnd());
    }
  }

  protected override async release(): Promise<void> {
    await this.logger.flush();
  }

  /** Flushes the chain's queue, then the logger's buffered output. */
  override async flush(): Promise<void> {
    await super.flush();
    await this.logger.flush();
  }
}
