import { createPrivateKey, createPublicKey, hash, KeyObject, sign, verify as verifySignature } from 'node:crypto';
import { canonicalJson } from '@tollgate/core';
import type { ChainHead } from './chain.js';
import { isHash, parseObjectLine } from './line.js';

/** Version of the checkpoint format (`v` of every checkpoint). */
export const CHECKPOINT_FORMAT_VERSION = 1;

/**
 * A signed statement "the chain's record `seq` has hash `hash`", made by the holder of the key `keyId` at `ts`.
 * Whoever rewrites or cuts the chain without the private key cannot make a checkpoint that matches.
 */
export interface Checkpoint {
  /** Format version ({@link CHECKPOINT_FORMAT_VERSION}). */
  v: 1;
  /** Which key signed it: the verifier looks the public key up by this id ({@link keyIdOf} by default). */
  keyId: string;
  /** The seq of the chain head signed (>= 1). */
  seq: number;
  /** The hash of the record at `seq` (64 hex). */
  hash: string;
  /** When it was signed (ISO 8601, UTC). */
  ts: string;
  /** Ed25519 signature (base64) over {@link checkpointMessage} of the other fields. */
  sig: string;
}

/** A private key for signing checkpoints: an Ed25519 `KeyObject` or PEM text (PKCS #8). */
export type PrivateKeyInput = KeyObject | string;
/** A public key for verifying checkpoints: an Ed25519 `KeyObject` or PEM text (SPKI; a private key's PEM works too). */
export type PublicKeyInput = KeyObject | string;

/** The key a sink signs checkpoints with. */
export interface SigningKey {
  /** The Ed25519 private key. Keep it out of reach of whoever can write the audit file. */
  privateKey: PrivateKeyInput;
  /** The id written into each checkpoint (default: {@link keyIdOf} the key, a fingerprint). */
  id?: string;
}

/** A public key the verifier accepts, with the id checkpoints name it by (default: its fingerprint, {@link keyIdOf}). */
export type VerifyingKey = PublicKeyInput | { id?: string; publicKey: PublicKeyInput };

/** Domain separation: a checkpoint signature can never be replayed as a signature over anything else. */
const DOMAIN = 'tollgate-audit-checkpoint\n';

/** The bytes a checkpoint's signature covers: a fixed prefix and the RFC 8785 JSON of every field but `sig`. */
export function checkpointMessage(body: Omit<Checkpoint, 'sig'>): Buffer {
  const { v, keyId, seq, hash: h, ts } = body;
  return Buffer.from(DOMAIN + canonicalJson({ hash: h, keyId, seq, ts, v }), 'utf8');
}

/**
 * The default key id: the first 16 hex digits of the SHA-256 of the public key's SPKI DER encoding. Verifiers
 * derive the same id from the public key alone, so a key given without an id still finds its checkpoints.
 */
export function keyIdOf(key: PublicKeyInput | PrivateKeyInput): string {
  const pub = publicKeyOf(key);
  return hash('sha256', pub.export({ type: 'spki', format: 'der' }), 'hex').slice(0, 16);
}

/** A signer bound to one key: parses and checks the key once. */
export interface CheckpointSigner {
  /** The key id written into checkpoints. */
  readonly keyId: string;
  /** Signs a chain head at time `now` (ms since the epoch). */
  sign(head: ChainHead, now?: number): Checkpoint;
}

/**
 * Prepares a key for signing.
 * @throws TypeError when the key is not an Ed25519 private key, or the id is empty
 */
export function checkpointSigner(key: SigningKey): CheckpointSigner {
  let privateKey: KeyObject;
  try {
    privateKey = typeof key.privateKey === 'string' ? createPrivateKey(key.privateKey) : key.privateKey;
  } catch (err) {
    throw new TypeError(`checkpoint signing key: not a private key in PEM (${String(err)})`);
  }
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') {
    throw new TypeError('checkpoint signing key: must be an Ed25519 private key');
  }
  const keyId = key.id ?? keyIdOf(privateKey);
  if (typeof keyId !== 'string' || keyId.length === 0) throw new TypeError('checkpoint signing key: id is empty');
  return {
    keyId,
    sign(head, now = Date.now()) {
      if (!Number.isSafeInteger(head.seq) || head.seq < 1) throw new TypeError('a checkpoint signs a seq >= 1');
      const body = {
        v: CHECKPOINT_FORMAT_VERSION,
        keyId,
        seq: head.seq,
        hash: head.hash,
        ts: new Date(now).toISOString(),
      } as const;
      return { ...body, sig: sign(null, checkpointMessage(body), privateKey).toString('base64') };
    },
  };
}

/** A checkpoint as one JSONL line (no newline): its canonical JSON. */
export function checkpointLine(checkpoint: Checkpoint): string {
  return canonicalJson(checkpoint);
}

/** Parses one line as a checkpoint; `undefined` when it is not JSON or lacks a checkpoint's fields. */
export function parseCheckpoint(line: string): Checkpoint | undefined {
  const c = parseObjectLine(line) as Partial<Checkpoint> | undefined;
  if (!c) return undefined;
  const ok =
    c.v === CHECKPOINT_FORMAT_VERSION &&
    typeof c.keyId === 'string' &&
    Number.isSafeInteger(c.seq) &&
    (c.seq as number) >= 1 &&
    isHash(c.hash) &&
    typeof c.ts === 'string' &&
    typeof c.sig === 'string';
  return ok ? (c as Checkpoint) : undefined;
}

/** Public keys by id, for {@link checkCheckpoint}. */
export class KeyRing {
  private readonly keys = new Map<string, KeyObject>();

  /**
   * @param keys every key whose checkpoints are accepted (several during a rotation)
   * @throws TypeError for a key that is not an Ed25519 key, or two keys under one id
   */
  constructor(keys: Iterable<VerifyingKey>) {
    for (const entry of keys) {
      const given = typeof entry === 'string' || isKeyObject(entry) ? { publicKey: entry } : entry;
      let key: KeyObject;
      try {
        key = publicKeyOf(given.publicKey);
      } catch (err) {
        throw new TypeError(`checkpoint public key: not a key in PEM (${String(err)})`);
      }
      if (key.asymmetricKeyType !== 'ed25519') throw new TypeError('checkpoint public key: must be an Ed25519 key');
      const id = given.id ?? keyIdOf(key);
      if (this.keys.has(id)) throw new TypeError(`checkpoint public keys: two keys with id "${id}"`);
      this.keys.set(id, key);
    }
  }

  /** The ids of the keys held. */
  ids(): string[] {
    return [...this.keys.keys()];
  }

  /** The key with this id. */
  get(id: string): KeyObject | undefined {
    return this.keys.get(id);
  }

  /** How many keys it holds. */
  get size(): number {
    return this.keys.size;
  }
}

/** Why a checkpoint is not accepted: `unknown_key` (no public key with its id), `bad_signature`. */
export type CheckpointProblem = 'unknown_key' | 'bad_signature';

/** Checks a checkpoint's signature; returns what is wrong, or undefined when it verifies. */
export function checkCheckpoint(checkpoint: Checkpoint, keys: KeyRing): CheckpointProblem | undefined {
  const key = keys.get(checkpoint.keyId);
  if (!key) return 'unknown_key';
  const { sig, ...body } = checkpoint;
  let ok = false;
  try {
    ok = verifySignature(null, checkpointMessage(body), key, Buffer.from(sig, 'base64'));
  } catch {
    ok = false;
  }
  return ok ? undefined : 'bad_signature';
}

function publicKeyOf(key: PublicKeyInput | PrivateKeyInput): KeyObject {
  if (isKeyObject(key)) return key.type === 'private' ? createPublicKey(key) : key;
  return createPublicKey(key);
}

function isKeyObject(v: unknown): v is KeyObject {
  return v instanceof KeyObject;
}
