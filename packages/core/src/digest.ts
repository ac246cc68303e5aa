import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { Caller } from './caller.js';
import type { Json } from './json.js';

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

/** What an approval is bound to. */
export interface ApprovalSubject {
  tool: string;
  callId: string;
  args: unknown;
  /** Who the call runs as ({@link callerOf}). */
  caller: Caller;
  /** The call's `bind` facts, if any. */
  bind?: Readonly<Record<string, Json>> | undefined;
}

/**
 * The digest an approval is bound to: one tool, one call id, these exact arguments, this caller and these `bind`
 * facts. SHA-256 (hex) of the RFC 8785 canonical JSON of `{tool, callId, args, caller, bind}`.
 */
export function approvalDigest(subject: ApprovalSubject): string {
  const { tool, callId, args, caller, bind } = subject;
  return sha256Canonical(bind === undefined ? { tool, callId, args, caller } : { tool, callId, args, caller, bind });
}
