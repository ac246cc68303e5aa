import { type Checkpoint, checkCheckpoint, KeyRing, parseCheckpoint, type VerifyingKey } from './checkpoint.js';

/** What the signed checkpoints vouched for, when a verifier was given public keys. */
export interface CheckpointReport {
  /** Checkpoints given, every one of whose signatures verified. */
  verified: number;
  /** The highest seq a checkpoint signs: the chain is proven complete and original up to here. */
  lastSeq: number;
  /** The key ids that signed them. */
  keyIds: string[];
  /** Records after the last checkpoint, which no signature covers yet (0 when the chain is shorter). */
  unsigned: number;
}

/**
 * Why the chain fails against its checkpoints: `checkpoint_invalid` (a checkpoint that is not one, is signed by a
 * key not given, or whose signature does not verify; or no checkpoint at all), `checkpoint_mismatch` (the record
 * at a checkpoint's seq has another hash), `truncated` (the chain ends before a checkpoint's seq).
 */
export interface CheckpointFailure {
  kind: 'checkpoint_invalid' | 'checkpoint_mismatch' | 'truncated';
  /** What is wrong, for a human. */
  message: string;
  /** The checkpoint concerned: its line (1-based) among those given, and what it says when it parsed. */
  checkpoint: { line: number; keyId?: string; seq?: number; ts?: string };
}

interface Entry {
  checkpoint: Checkpoint;
  line: number;
}

/**
 * A chain's signed checkpoints, checked and walked beside the chain in seq order. Every verifier uses it: `verify`
 * and `verifyRecords` here, and a sink's own verifier that streams its chain from elsewhere (a database): open the
 * trail, call {@link check} for every record in seq order and {@link end} with the last seq, and report.
 */
export class CheckpointTrail {
  private next = 0;

  private constructor(private readonly entries: readonly Entry[]) {}

  /**
   * Checks every checkpoint's signature against the keys (looked up by key id) before the chain is read.
   * @param checkpoints as objects or JSONL lines, in any order
   * @param publicKeys every key whose checkpoints are accepted (several across a rotation)
   * @returns the trail, or the first checkpoint that cannot be trusted (`checkpoint_invalid`; also when none is given)
   * @throws TypeError for no keys, or keys that are not Ed25519
   */
  static open(
    checkpoints: Iterable<Checkpoint | string>,
    publicKeys: Iterable<VerifyingKey> | KeyRing,
  ): { trail: CheckpointTrail; failure?: undefined } | { trail?: undefined; failure: CheckpointFailure } {
    const keys = publicKeys instanceof KeyRing ? publicKeys : new KeyRing(publicKeys);
    if (keys.size === 0) throw new TypeError('checkpoints: no public keys given');
    const entries: Entry[] = [];
    const invalid = (line: number, message: string, checkpoint?: Checkpoint) => ({
      failure: {
        kind: 'checkpoint_invalid' as const,
        message,
        checkpoint: checkpoint ? describe({ checkpoint, line }) : { line },
      },
    });
    let line = 0;
    for (const item of checkpoints) {
      line++;
      const checkpoint = typeof item === 'string' ? parseCheckpoint(item) : item;
      if (!checkpoint) return invalid(line, `checkpoint line ${line} is not a checkpoint`);
      const problem = checkCheckpoint(checkpoint, keys);
      if (problem === 'unknown_key') {
        return invalid(
          line,
          `checkpoint line ${line} is signed by key "${checkpoint.keyId}", which is not among the public keys ` +
            `given (${keys.ids().join(', ')}): the wrong key, or a key missing after a rotation`,
          checkpoint,
        );
      }
      if (problem === 'bad_signature') {
        return invalid(
          line,
          `checkpoint line ${line}: its signature does not verify with the public key for "${checkpoint.keyId}": ` +
            'the wrong key for that id, or the checkpoint was altered or forged',
          checkpoint,
        );
      }
      entries.push({ checkpoint, line });
    }
    if (entries.length === 0) {
      return invalid(0, 'there are no checkpoints: nothing signed to check the chain against');
    }
    entries.sort((a, b) => a.checkpoint.seq - b.checkpoint.seq);
    return { trail: new CheckpointTrail(entries) };
  }

  /**
   * The chain's record `seq` has hash `hash` (call it for each record, in seq order). Returns the failure when a
   * checkpoint signed another hash at that seq. Checkpoints below the first seq checked (a range) are passed over.
   */
  check(seq: number, hash: string): CheckpointFailure | undefined {
    const entries = this.entries;
    while (this.next < entries.length && entries[this.next]!.checkpoint.seq <= seq) {
      const entry = entries[this.next]!;
      if (entry.checkpoint.seq === seq && entry.checkpoint.hash !== hash) {
        return {
          kind: 'checkpoint_mismatch',
          message:
            `hash differs from the one key "${entry.checkpoint.keyId}" signed at ${entry.checkpoint.ts}: the chain ` +
            'was rewritten from here or earlier (recomputed without the key)',
          checkpoint: describe(entry),
        };
      }
      this.next++;
    }
    return undefined;
  }

  /** The chain ends at `seq`: the failure when a checkpoint signs a later seq (records removed from the end). */
  end(seq: number): CheckpointFailure | undefined {
    const last = this.entries[this.entries.length - 1]!;
    if (last.checkpoint.seq <= seq) return undefined;
    return {
      kind: 'truncated',
      message:
        `the chain ends at seq ${seq}, but key "${last.checkpoint.keyId}" signed seq ${last.checkpoint.seq} at ` +
        `${last.checkpoint.ts}: records were removed from the end`,
      checkpoint: describe(last),
    };
  }

  /** What the checkpoints prove about a chain whose head is `seq`. */
  report(seq: number): CheckpointReport {
    const lastSeq = this.entries[this.entries.length - 1]!.checkpoint.seq;
    return {
      verified: this.entries.length,
      lastSeq,
      keyIds: [...new Set(this.entries.map((e) => e.checkpoint.keyId))],
      unsigned: Math.max(0, seq - lastSeq),
    };
  }
}

function describe({ checkpoint, line }: Entry): CheckpointFailure['checkpoint'] {
  return { line, keyId: checkpoint.keyId, seq: checkpoint.seq, ts: checkpoint.ts };
}
