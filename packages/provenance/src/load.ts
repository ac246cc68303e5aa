import { createRequire } from 'node:module';
import { createAjv, type ValueKind } from '@tollgate/core';
import type { ProvenanceGateOptions } from './gate.js';
import type { ProvenanceSink, SinkEffect } from './sinks.js';

// The JSON file is the one source: src/ and dist/ both sit one level below it.
const require = createRequire(import.meta.url);

/** The JSON Schema (draft-07) of a sinks document; the same file ships as `@tollgate/provenance/sinks.schema.json`. */
export const SINKS_SCHEMA: Readonly<Record<string, unknown>> = Object.freeze(
  require('../schema/sinks.schema.json') as Record<string, unknown>,
);

/** One sink as written in a sinks document. */
export interface SinkJson {
  id: string;
  description?: string;
  match?: { tool?: string | string[] };
  path?: string;
  kind: ValueKind;
  label?: string;
  effect?: 'require_approval' | 'block';
  unseen?: SinkEffect;
}

/** A sinks document: `{ "sinks": [ … ], "trustedTools"?, "trustFields"?, "missing"? }`. */
export interface SinksDocumentJson {
  $schema?: string;
  description?: string;
  trustedTools?: string[];
  trustFields?: boolean | ValueKind[];
  missing?: SinkEffect;
  sinks: SinkJson[];
}

/** One problem in a sinks document. */
export interface SinkLoadIssue {
  /** JSON Pointer to the offending value, e.g. `/sinks/2/kind`. */
  path: string;
  message: string;
}

/** Thrown by {@link loadSinks} for a document that does not follow {@link SINKS_SCHEMA}. */
export class SinkLoadError extends Error {
  override readonly name = 'SinkLoadError';
  /** Every problem found. */
  readonly issues: readonly SinkLoadIssue[];
  /** The file the document came from, when given. */
  readonly file: string | undefined;

  constructor(issues: readonly SinkLoadIssue[], file?: string) {
    const where = issues.map((i) => `${file ? `${file}#` : ''}${i.path || '(root)'}: ${i.message}`).join('; ');
    super(`Invalid provenance sinks at ${where}`);
    this.issues = issues;
    this.file = file;
  }
}

let validate: ReturnType<ReturnType<typeof createAjv>['compile']> | undefined;

/**
 * Reads a sinks document (parsed JSON) into {@link ProvenanceGate} options: `new ProvenanceGate(loadSinks(json))`.
 * The document is validated against {@link SINKS_SCHEMA} and copied, so later edits to it change nothing.
 * @throws {SinkLoadError} listing every problem with its JSON Pointer
 */
export function loadSinks(
  document: unknown,
  options: { file?: string } = {},
): Pick<ProvenanceGateOptions, 'sinks' | 'trustedTools' | 'trustFields' | 'missing'> {
  validate ??= createAjv().compile(SINKS_SCHEMA);
  if (!validate(document)) {
    const issues = (validate.errors ?? []).map((e) => ({
      path: e.keyword === 'required' ? `${e.instancePath}/${String(e.params.missingProperty)}` : e.instancePath,
      message:
        e.keyword === 'additionalProperties'
          ? `${String(e.params.additionalProperty)} is not an allowed property`
          : (e.message ?? e.keyword),
    }));
    throw new SinkLoadError(issues, options.file);
  }
  const doc = structuredClone(document) as SinksDocumentJson;
  const ids = new Set<string>();
  const sinks: ProvenanceSink[] = doc.sinks.map((json, i) => {
    if (ids.has(json.id)) throw new SinkLoadError([{ path: `/sinks/${i}/id`, message: `duplicate id "${json.id}"` }]);
    ids.add(json.id);
    const sink: ProvenanceSink = { id: json.id, kind: json.kind };
    if (json.match?.tool !== undefined) sink.tools = json.match.tool;
    if (json.path !== undefined) sink.path = json.path;
    if (json.label !== undefined) sink.label = json.label;
    if (json.effect !== undefined) sink.effect = json.effect;
    if (json.unseen !== undefined) sink.unseen = json.unseen;
    return sink;
  });
  const out: ReturnType<typeof loadSinks> = { sinks };
  if (doc.trustedTools !== undefined) out.trustedTools = doc.trustedTools;
  if (doc.trustFields !== undefined) out.trustFields = doc.trustFields;
  if (doc.missing !== undefined) out.missing = doc.missing;
  return out;
}
