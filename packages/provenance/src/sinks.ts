import { VALUE_KINDS, type ValueKind } from '@tollgate/core';
import picomatch from 'picomatch';
import { cleanText, findAll, keyOf } from './kinds.js';
import { escapeToken, unescapeToken } from './pointer.js';

/** What a sink does with a value: let it through, ask a person, or refuse the call. */
export type SinkEffect = 'allow' | 'require_approval' | 'block';

/**
 * A place in a tool call's arguments where a value routes an action (a payee's IBAN, a recipient's address, a URL to
 * fetch or post to), and what to do when that value does not come from the user or a trusted source.
 */
export interface ProvenanceSink {
  /** Names the sink in decision data (`payee`, `mail-recipient`). */
  id: string;
  /**
   * Which tools it applies to: a name or glob (`send_*`, `{pay,refund}`; picomatch), a list of them, or a predicate.
   * Default: every tool.
   */
  tools?: string | readonly string[] | ((tool: string) => boolean);
  /**
   * RFC 6901 JSON Pointer into the arguments, where `*` stands for every array item or object member
   * (`/recipients/*`). Default: every string and number in the arguments.
   */
  path?: string;
  /**
   * The value's kind, which decides how it is found in text and compared. A `string` sink (names, passwords) leaves
   * out values that are themselves an IBAN, e-mail address, URL or phone number: those are for their kinds' sinks.
   */
  kind: ValueKind;
  /** How messages name the value (`the recipient IBAN`); default `the <kind> in <path>`. */
  label?: string;
  /** For a value that only untrusted content supplied: `require_approval` (default) or `block`. */
  effect?: Exclude<SinkEffect, 'allow'>;
  /**
   * For a value that occurs nowhere in the run (the model wrote it, or computed it): `allow` (default: provenance
   * cannot tell where it came from), `require_approval` or `block`.
   */
  unseen?: SinkEffect;
}

/** A sink a tool gives itself in `gates.provenance.sinks`: a {@link ProvenanceSink} without `tools`. */
export type ToolSink = Omit<ProvenanceSink, 'tools'>;

/** A sink ready to run: its path parsed, its defaults filled in. */
export interface CompiledSink {
  readonly id: string;
  readonly kind: ValueKind;
  readonly path: string | undefined;
  readonly tokens: readonly string[] | undefined;
  readonly label: string;
  readonly effect: Exclude<SinkEffect, 'allow'>;
  readonly unseen: SinkEffect;
}

/** One value a sink found in a call's arguments. */
export interface SinkValue {
  sink: CompiledSink;
  /** JSON Pointer of the argument it was in. */
  path: string;
  /** The value as the model wrote it (for values inside a longer text: the part that is of the kind). */
  value: string | number;
}

const EFFECTS: readonly SinkEffect[] = ['allow', 'require_approval', 'block'];

/**
 * Checks a sink and compiles its path. @throws {TypeError} naming the sink for a missing id, an unknown kind or
 * effect, or a path that is not a JSON Pointer
 */
export function compileSink(sink: ToolSink, where = 'sink'): CompiledSink {
  const at = `${where} "${String(sink?.id)}"`;
  if (!sink || typeof sink.id !== 'string' || sink.id === '') throw new TypeError(`${where} needs an \`id\``);
  if (!VALUE_KINDS.includes(sink.kind)) {
    throw new TypeError(`${at}: kind must be one of ${VALUE_KINDS.join(', ')}, got ${String(sink.kind)}`);
  }
  const effect = sink.effect ?? 'require_approval';
  if (effect !== 'require_approval' && effect !== 'block') {
    throw new TypeError(`${at}: effect must be require_approval or block, got ${String(effect)}`);
  }
  const unseen = sink.unseen ?? 'allow';
  if (!EFFECTS.includes(unseen)) throw new TypeError(`${at}: unseen must be allow, require_approval or block`);
  if (sink.label !== undefined && typeof sink.label !== 'string') throw new TypeError(`${at}: label must be a string`);
  const tokens = sink.path === undefined ? undefined : parsePath(sink.path, at);
  return {
    id: sink.id,
    kind: sink.kind,
    path: sink.path,
    tokens,
    label: sink.label ?? (sink.path ? `the ${sink.kind} in ${sink.path}` : `the ${sink.kind}`),
    effect,
    unseen,
  };
}

/** A tools selector as a predicate. @throws {TypeError} for a selector of the wrong type */
export function toolMatcher(tools: ProvenanceSink['tools'], where: string): (tool: string) => boolean {
  if (tools === undefined) return () => true;
  if (typeof tools === 'function') return tools;
  const list = typeof tools === 'string' ? [tools] : tools;
  if (!Array.isArray(list) || list.some((t) => typeof t !== 'string' || t === '')) {
    throw new TypeError(`${where}: tools must be a name, a glob, a list of them, or a function`);
  }
  return picomatch(list as string[], { dot: true, nonegate: true });
}

/** Every value of the sink's kind in the arguments, each with the pointer of the argument it came from. */
export function valuesAt(sink: CompiledSink, args: unknown): SinkValue[] {
  const out: SinkValue[] = [];
  for (const [path, leaf] of leaves(args, sink.tokens)) {
    for (const value of valuesOf(leaf, sink.kind)) out.push({ sink, path, value });
  }
  return out;
}

/** The values of `kind` in one argument: the argument itself when it is one, else those inside its text. */
function valuesOf(leaf: unknown, kind: ValueKind): (string | number)[] {
  if (typeof leaf !== 'string' && typeof leaf !== 'number') return [];
  // A string sink checks names and words; a value that is itself an address is for its own kind's sink.
  if (kind === 'string') return typeof leaf === 'string' && leaf.trim() !== '' && !isAddress(leaf) ? [leaf] : [];
  if (keyOf(leaf, kind) !== undefined) return [leaf];
  if (typeof leaf !== 'string') return [];
  const text = cleanText(leaf);
  return findAll(text, kind).map((f) => text.slice(f.start, f.end));
}

const ADDRESS_KINDS = ['iban', 'email', 'url', 'phone'] as const;

/** True when a whole text is an IBAN, an e-mail address, a URL or a phone number. */
function isAddress(text: string): boolean {
  return ADDRESS_KINDS.some((kind) => keyOf(text, kind) !== undefined);
}

/** The scalar leaves under a parsed path (`*` fans out); every leaf when there is no path. */
function leaves(value: unknown, tokens: readonly string[] | undefined): [string, unknown][] {
  const out: [string, unknown][] = [];
  const visit = (v: unknown, at: string, rest: readonly string[] | undefined, depth: number) => {
    if (depth > 64) return;
    if (rest !== undefined && rest.length > 0) {
      const [token, ...tail] = rest as [string, ...string[]];
      for (const [key, child] of children(v, token)) visit(child, `${at}/${escapeToken(key)}`, tail, depth + 1);
      return;
    }
    if (typeof v === 'object' && v !== null) {
      // Below the path's end (or with no path), every leaf counts.
      for (const [key, child] of children(v, '*')) visit(child, `${at}/${escapeToken(key)}`, undefined, depth + 1);
      return;
    }
    out.push([at, v]);
  };
  visit(value, '', tokens, 0);
  return out;
}

function children(value: unknown, token: string): [string, unknown][] {
  if (Array.isArray(value)) {
    if (token === '*') return value.map((item, i) => [String(i), item]);
    return /^(?:0|[1-9]\d*)$/.test(token) && Number(token) < value.length ? [[token, value[Number(token)]]] : [];
  }
  if (typeof value !== 'object' || value === null) return [];
  const record = value as Record<string, unknown>;
  if (token === '*') return Object.keys(record).map((key) => [key, record[key]]);
  return Object.hasOwn(record, token) ? [[token, record[token]]] : [];
}

function parsePath(path: string, at: string): string[] {
  if (typeof path !== 'string' || (path !== '' && !path.startsWith('/'))) {
    throw new TypeError(`${at}: path must be a JSON Pointer ("" or "/…"), got ${JSON.stringify(path)}`);
  }
  if (/~(?![01])/.test(path)) throw new TypeError(`${at}: path has a "~" not followed by 0 or 1`);
  return path === '' ? [] : path.slice(1).split('/').map(unescapeToken);
}

/** A cleaned string for messages and data: at most `max` characters. */
export function shown(value: string | number, max = 120): string {
  const text = typeof value === 'number' ? String(value) : cleanText(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
