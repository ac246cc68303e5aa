import type { RespondFunction, ScriptedToolCall, ScriptedTurn } from '@tollgate/openai/server';

interface Denial {
  status?: string;
  reason?: string;
  message?: string;
}

const userText = (conversation: Record<string, unknown>[]) =>
  conversation
    .filter((m) => m.role === 'user')
    .map((m) => String(m.content))
    .join('\n');

/**
 * A stand-in for the model of the ops agent. It does what the user asks, but sends deploys without the
 * change ticket at first (as models often do); when BIGHUB answers that the ticket is missing, it resends
 * them once with the ticket named in the request. Then it reports what the tools said.
 */
export const opsAgent: RespondFunction = (request): ScriptedTurn => {
  const text = userText(request.conversation);
  const outputs = request.toolOutputs.map((o) => parse(String(o.output)));
  if (outputs.length === 0) return { toolCalls: firstCalls(text) };
  const ticket = /CHG-\d+/.exec(text)?.[0];
  const firstAnswer = request.conversation.filter((m) => m.role === 'assistant').length === 1;
  if (ticket && firstAnswer && outputs.some((o) => o.reason === 'bighub_needs_context')) {
    return { toolCalls: deployCalls(text, ticket) };
  }
  const failed = outputs.filter((o) => o.status);
  return { text: failed.length === 0 ? 'Done.' : `Not done: ${failed.map((o) => o.message).join(' ')}` };
};

function firstCalls(text: string): ScriptedToolCall[] {
  if (/grant/i.test(text)) return [grantCall(text, Number(/(\d+)\s*h/.exec(text)?.[1] ?? 1))];
  return deployCalls(text, undefined);
}

function grantCall(text: string, hours: number): ScriptedToolCall {
  const user = /grant (\w+)/i.exec(text)?.[1]?.toLowerCase() ?? 'unknown';
  return { name: 'grant_access', arguments: { user_id: user, group: 'okta-admins', duration_hours: hours } };
}

function deployCalls(text: string, ticket: string | undefined): ScriptedToolCall[] {
  const version = /\d+\.\d+\.\d+/.exec(text)?.[0] ?? '0.0.0';
  const environment = /production/i.test(text) ? 'production' : 'staging';
  const services = /deploy (.+?) version/i.exec(text)?.[1]?.split(/\s*,\s*|\s+and\s+/) ?? [];
  return services.map((service) => ({
    name: 'deploy',
    arguments: { service, environment, version, ...(ticket ? { change_ticket: ticket } : {}) },
  }));
}

function parse(output: string): Denial {
  try {
    const value = JSON.parse(output) as Denial;
    return typeof value === 'object' && value !== null ? value : {};
  } catch {
    return {};
  }
}
