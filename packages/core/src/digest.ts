import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/** RFC 8785 (JCS) canonical JSON of `value`. Throws `TypeError` on values JSON cannot hold (cycles, BigInt). */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('value has no JSON form');
  return text;
}

/** SHA-256, hex, of the RFC 8785 canonical JSON of `value`. */
export function sha256Canonical(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

/** The digest an approval is bound to: one tool, one call id, these exact arguments. */
export function approvalDigest(tool: string, callId: string, args: unknown): string {
  return sha256Canonical({ tool, callId, args });
}
