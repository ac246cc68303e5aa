import type { HandlerContext, ToolDefinition } from '@tollgate/core';
import { parse as parseYaml } from 'yaml';
import type { Episode, FunctionTool, RecordedCall } from './data.js';

/** Thrown by a replayed handler for a call the recording has no output for. */
export class NotRecordedError extends Error {
  override name = 'NotRecordedError';
}

/** Thrown by a replayed handler whose recorded call failed, with the recorded message. */
export class RecordedToolError extends Error {
  override name = 'RecordedToolError';
}

/** The recorded outputs of every call, keyed by episode (the call context's `session`) and call id. */
export class Recording {
  private readonly calls = new Map<string, Map<string, RecordedCall>>();

  constructor(episodes: readonly Episode[]) {
    for (const episode of episodes) this.calls.set(episode.id, new Map(episode.calls.map((c) => [c.id, c])));
  }

  /**
   * What the environment answered this call with.
   * @throws NotRecordedError for a call outside the recording; RecordedToolError when the recorded call failed
   */
  replay(episodeId: string | undefined, callId: string): string {
    const call = this.calls.get(episodeId ?? '')?.get(callId);
    if (!call) throw new NotRecordedError(`no recorded output for call ${callId} in episode ${episodeId}`);
    if (call.error) throw new RecordedToolError(call.error);
    return call.output;
  }
}

/**
 * The banking tools with AgentDojo's schemas, whose handlers return what the recording's environment
 * returned for the same call (looked up by the call context's `session`, the episode id, and call id).
 * `policy` adds each tool's own gates (`use`) and gate options (`gates`).
 */
export function replayedTools(
  schemas: readonly FunctionTool[],
  recording: Recording,
  policy: Readonly<Record<string, Pick<ToolDefinition, 'use' | 'gates'>>> = {},
  decode: (tool: string, output: string) => unknown = (_tool, output) => output,
): ToolDefinition[] {
  return schemas.map(({ function: f }) => ({
    name: f.name,
    description: f.description,
    parameters: f.parameters,
    handler: (_args: unknown, ctx: HandlerContext) => decode(f.name, recording.replay(ctx.session, ctx.callId)),
    ...policy[f.name],
  }));
}

/**
 * The bank's records as the bank's tools return them: AgentDojo shows the model a YAML dump of each tool's result;
 * every banking tool but `read_file` (a document, text) returns records, so their dumps are read back as records.
 */
export function bankRecords(tool: string, output: string): unknown {
  if (tool === 'read_file') return output;
  try {
    const value = parseYaml(output);
    return typeof value === 'object' && value !== null ? value : output;
  } catch {
    return output;
  }
}
