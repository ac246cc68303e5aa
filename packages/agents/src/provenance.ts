import type { ProvenanceRecorder, ProvenanceSource } from '@tollgate/core';

/** Makes a fresh provenance recorder for each run (`() => new ProvenanceLog()` from `@tollgate/provenance`). */
export type ProvenanceFactory = () => ProvenanceRecorder;

type Item = Record<string, unknown>;

/**
 * A run's provenance as the model reads it: fed with each model call's input (the SDK's `callModelInputFilter`)
 * or with a run state's history when a paused run resumes. Items already recorded are skipped, so a full history
 * sent again each turn and a server-side conversation that sends only new items both record each piece once.
 */
export class RunProvenance {
  private readonly seen = new Set<string>();
  private readonly names = new Map<string, string>();

  constructor(readonly recorder: ProvenanceRecorder) {}

  /** Records the system instructions and every item a model call sends: user, system, developer, tool outputs. */
  record(items: readonly unknown[], instructions?: unknown): void {
    if (typeof instructions === 'string' && instructions !== '') this.once({ origin: 'system' }, instructions);
    for (const raw of items) {
      if (raw === null || typeof raw !== 'object') continue;
      const item = raw as Item;
      if (item.type === 'function_call' && typeof item.callId === 'string' && typeof item.name === 'string') {
        this.names.set(item.callId, item.name);
      }
      const source = this.sourceOf(item);
      if (source) this.once(source, contentOf(item));
    }
  }

  private once(source: ProvenanceSource, content: unknown): void {
    let key: string;
    try {
      key = JSON.stringify([source, content]);
    } catch {
      return;
    }
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.recorder.record(source, content);
  }

  private sourceOf(item: Item): ProvenanceSource | undefined {
    if (item.type === 'function_call_result' && typeof item.callId === 'string') {
      const tool = typeof item.name === 'string' ? item.name : (this.names.get(item.callId) ?? 'unknown');
      return { origin: 'tool', tool, callId: item.callId };
    }
    if (item.type !== undefined && item.type !== 'message') return undefined;
    if (item.role === 'user' || item.role === 'system' || item.role === 'developer') return { origin: item.role };
    return undefined;
  }
}

/** An item's text: a string as is, text parts joined (images and files carry no text to match). */
function contentOf(item: Item): unknown {
  const content = item.type === 'function_call_result' ? item.output : item.content;
  if (typeof content === 'string') return content;
  const parts = Array.isArray(content) ? content : [content];
  return (parts as Item[])
    .map((part) => (typeof part?.text === 'string' ? part.text : ''))
    .filter((text) => text !== '')
    .join('\n');
}
