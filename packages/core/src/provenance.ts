import { errorText } from './errors.js';

/**
 * Provenance: the content the model has seen in a run, each piece with where it came from. Core only defines the
 * shapes; `@tollgate/provenance` implements the index (`ProvenanceLog`) and the gate that reads it. Adapters feed a
 * {@link ProvenanceRecorder} as they append messages, and the runner hands it to every gate as `ctx.provenance`.
 */

/** Who wrote a piece of content the model saw. Tool outputs name the tool and the call whose output they are. */
export type ProvenanceSource =
  | { origin: 'user' }
  | { origin: 'system' }
  | { origin: 'developer' }
  | { origin: 'tool'; tool: string; callId: string };

/** One of {@link ProvenanceSource}'s origins. */
export type ProvenanceOrigin = ProvenanceSource['origin'];

/**
 * Kinds of value the query API knows how to compare:
 * - `iban`: spaces and case ignored (`gb29 nwbk 6016…` = `GB29NWBK6016…`);
 * - `email`: case-insensitive, `mailto:` ignored;
 * - `url`: by host, lower-case, without `www.` and port (`https://www.x.com/a` = `x.com`);
 * - `phone`: by its digits (`+41 79 123 45 67` = `41791234567`);
 * - `string`: exact, or after case folding, at word boundaries;
 * - `number`: as written, in decimal (`1,000.50` = `1000.5`; no words, units or exponents).
 */
export type ValueKind = 'iban' | 'email' | 'url' | 'phone' | 'string' | 'number';

/** The value kinds, in a fixed order. */
export const VALUE_KINDS: readonly ValueKind[] = ['iban', 'email', 'url', 'phone', 'string', 'number'];

/** Where a value occurs in the run's content. */
export interface ProvenanceOccurrence {
  /** Who wrote the content it occurs in. */
  source: ProvenanceSource;
  /** The content's position in the run, from 0, in the order it was recorded. */
  entry: number;
  /** For structured content (a JSON object or array): the JSON Pointer of the field the value occurs in. */
  field?: string;
  /** True when the value is the whole field (`recipient: "GB29…"`), not a part of a longer text in it. */
  whole: boolean;
  /** `exact`: the same characters; `folded`: equal after case folding; `normalized`: equal after the kind's rules. */
  match: 'exact' | 'folded' | 'normalized';
  /** Up to about 160 characters of the content around the value, for a reviewer. */
  excerpt: string;
}

/** The read side of a run's provenance, as gates see it (`ctx.provenance`). */
export interface ProvenanceView {
  /** How many pieces of content have been recorded. */
  readonly size: number;
  /**
   * Where `value` occurs in the recorded content, compared as `kind`, in record order. Answered from an index: the
   * cost grows with the number of occurrences, not with the length of the run. A value that is not of its kind
   * (an e-mail without `@`) occurs nowhere.
   */
  find(value: unknown, kind: ValueKind): readonly ProvenanceOccurrence[];
}

/** The write side: what an adapter calls as it appends a message the model will read. */
export interface ProvenanceRecorder extends ProvenanceView {
  /**
   * Records content the model sees: a string, or a JSON value (objects and arrays keep their fields, so a query can
   * tell a whole field from text inside one). A string holding a JSON object or array is read as that value.
   */
  record(source: ProvenanceSource, content: unknown): void;
}

/** What the tool-output stage knows about an output it transforms. */
export interface ToolOutputInfo {
  /** The tool whose output it is. */
  tool: string;
  /** The model's call id. */
  callId: string;
  /** The call's final status (`executed`, `blocked`, `approval_required`, `tool_error`). */
  status: string;
}

/**
 * One transform of a tool's output text before the model reads it (strip invisible characters, spotlight, run a
 * detector). Adapters apply a list of them in order with {@link applyToolOutputStage}.
 */
export type ToolOutputTransform = (text: string, info: ToolOutputInfo) => string | Promise<string>;

/**
 * Runs the output stage: each transform in order on the text. Fail-closed and never throws: when a transform throws,
 * rejects or returns something other than a string, the model gets a notice that the output was withheld
 * (`{status: 'withheld', reason: 'tool_output_transform_failed', message}`) instead of text that skipped a step.
 */
export async function applyToolOutputStage(
  text: string,
  info: ToolOutputInfo,
  transforms: readonly ToolOutputTransform[],
): Promise<string> {
  let out = text;
  for (const transform of transforms) {
    try {
      const next = await transform(out, info);
      if (typeof next !== 'string') throw new TypeError(`a transform returned ${typeof next}, not a string`);
      out = next;
    } catch (err) {
      return JSON.stringify({
        status: 'withheld',
        reason: 'tool_output_transform_failed',
        message: `The output of ${info.tool} was withheld: a check on it failed (${errorText(err)}). Tell the user it could not be read safely.`,
      });
    }
  }
  return out;
}
