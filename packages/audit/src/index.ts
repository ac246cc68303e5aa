export { type AuditFailureInfo, AuditGate, type AuditGateOptions, type AuditStats } from './audit-gate.js';
export { type Bounded, bounded, boundedText, MAX_REDACTED_STRING, type TruncatedValue } from './bound.js';
export {
  type ChainHead,
  GENESIS,
  GENESIS_HASH,
  recordHash,
  recordLine,
  type SealedRecord,
  seal,
  sealRecord,
} from './chain.js';
export {
  CHECKPOINT_FORMAT_VERSION,
  type Checkpoint,
  type CheckpointProblem,
  type CheckpointSigner,
  checkCheckpoint,
  checkpointLine,
  checkpointMessage,
  checkpointSigner,
  KeyRing,
  keyIdOf,
  type PrivateKeyInput,
  type PublicKeyInput,
  parseCheckpoint,
  type SigningKey,
  type VerifyingKey,
} from './checkpoint.js';
export { checkpointsPathOf, JsonlCheckpointStore, readCheckpointLines } from './checkpoint-file.js';
export { type CheckpointFailure, type CheckpointReport, CheckpointTrail } from './checkpoint-trail.js';
export {
  Checkpointer,
  type CheckpointerOptions,
  type CheckpointFailureInfo,
  type CheckpointOptions,
  type CheckpointStats,
  type CheckpointStore,
  type CheckpointTarget,
} from './checkpointer.js';
export {
  AUDIT_FORMAT_VERSION,
  type AuditDecision,
  type AuditEntry,
  type AuditKind,
  type AuditRecord,
  type EntryOptions,
  intentEntry,
  outcomeEntry,
} from './record.js';
export {
  DEFAULT_SECRET_KEYS,
  DEFAULT_SECRET_PATTERNS,
  keyWords,
  REDACTED,
  type RedactedKey,
  Redactor,
  type RedactorOptions,
  SINGULAR_ONLY_KEYS,
} from './redact.js';
export { CheckpointedSink } from './sinks/checkpointed.js';
export {
  AuditFileError,
  type AuditFileErrorCode,
  type FlushPolicy,
  JsonlFileSink,
  type JsonlFileSinkOptions,
  type OpenReport,
} from './sinks/jsonl.js';
export { MemorySink } from './sinks/memory.js';
export { type AuditSink, ChainedSink } from './sinks/sink.js';
export { type AuditLogger, TslogSink, type TslogSinkOptions } from './sinks/tslog.js';
export {
  parseRecord,
  type VerifyFailure,
  type VerifyFailureKind,
  type VerifyOptions,
  type VerifyResult,
  verify,
  verifyRecords,
} from './verify.js';
