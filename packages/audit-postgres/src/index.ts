export { type MigrateOptions, type MigrateReport, migrate, SCHEMA_VERSION, schemaVersion } from './migrate.js';
export {
  type CreatePoolOptions,
  createPool,
  DEFAULT_SCHEMA,
  type PgPool,
  type PgPoolClient,
  type PgQueryable,
  type PgQueryResult,
} from './pg.js';
export { type AuditQuery, queryRecords } from './query.js';
export { PostgresSink, type PostgresSinkOptions, type PostgresSinkStats } from './sink.js';
export {
  type PostgresVerifyFailure,
  type PostgresVerifyFailureKind,
  type PostgresVerifyOptions,
  type PostgresVerifyResult,
  verifyPostgres,
} from './verify.js';
