import type { CheckedValue, ProvenanceEvidence } from './gate.js';

/** Where an occurrence was, in words: `the output of read_file (call call_1)`, `the user's message`. */
export function describeSource(e: ProvenanceEvidence | { origin: 'application' }): string {
  switch (e.origin) {
    case 'tool':
      return `the output of ${e.tool}${e.callId ? ` (call ${e.callId})` : ''}`;
    case 'user':
      return "the user's message";
    case 'application':
      return 'the application';
    default:
      return `the ${e.origin} message`;
  }
}

/**
 * The message for the model: which value, where it came from, and what it can do (ask the user rather than retry).
 * `values` are the deciding ones, all with the same effect.
 */
export function explain(values: readonly CheckedValue[], tool: string): string {
  const first = values[0]!;
  const more = values.length > 1 ? ` (and ${values.length - 1} more value${values.length > 2 ? 's' : ''})` : '';
  const named = `${capitalize(first.label)} (${first.value})${more}`;
  let why: string;
  if (first.verdict === 'untrusted') {
    const sources = [...new Set((first.evidence ?? []).map(describeSource))];
    why = `${named} came from ${list(sources)}, not from the user or a trusted source`;
  } else if (first.verdict === 'unseen') {
    why = `${named} does not occur in anything the user, the system or a tool said in this run`;
  } else {
    why = `Where ${first.label} (${first.value}) came from cannot be told: this run records no provenance`;
  }
  if (first.effect === 'block') {
    return `${why}, so ${tool} was blocked. Do not retry it with this value; ask the user for ${first.label} and use what they give.`;
  }
  return `${why}, so a person must approve this ${tool} call. If the user did not ask for it, do not retry it; otherwise ask the user to confirm ${first.label}.`;
}

function list(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? 'untrusted content';
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
