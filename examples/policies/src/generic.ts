import type { PolicyRouter, ReplayPolicy } from '@tollgate/cli';
import type { ValueKind } from '@tollgate/core';
import { type FunctionTool, loadTools } from '@tollgate/example-banking';
import { ProvenanceGate, type ToolSink } from '@tollgate/provenance';
import { RuleGate, type WhenRule } from '@tollgate/rule';
import { agentdojoContext, confine, perUserPerMinute, suiteOf, suiteTools } from './agentdojo.js';

/**
 * One policy for any tool set. Nothing in it names a tool, a site, a payee or any other value: it reads each tool's
 * name, description and JSON Schema and decides
 * - which tools are consequential (they send, create, update, delete, share, invite, pay, book, post…);
 * - where values route an action: URLs (on every tool: fetching a URL sends a request to its host), and, on
 *   consequential tools, every IBAN, e-mail address, URL and phone number in any argument, the names in recipient
 *   and user arguments, new passwords and amounts;
 * - which tools destroy something (delete, remove, cancel, revoke).
 * A routing value that only untrusted content supplied (a tool output, unless it is a whole field of that output's
 * structure) goes to a person; so does every destructive call; consequential calls are limited to 20 a minute per
 * user. It never blocks on provenance: a person decides.
 */
export interface GenericPolicyParts {
  /** Sinks per tool name, for `gates.provenance`. */
  sinks: Record<string, ToolSink[]>;
  /** The tools found consequential. */
  consequential: Set<string>;
  /** The tools found destructive. */
  destructive: Set<string>;
}

/** Verbs whose tools change the world, as they appear in tool names and at the start of descriptions. */
const CONSEQUENTIAL = new Set(
  [
    'send sends post posts publish publishes share shares invite invites add adds append appends',
    'create creates update updates edit edits modify modifies change changes set sets write writes upload uploads',
    'delete deletes remove removes cancel cancels revoke revokes reschedule reschedules schedule schedules',
    'pay pays transfer transfers book books reserve reserves order orders purchase purchases refund refunds',
    'forward forwards reply replies grant grants move moves rename renames submit submits deploy deploys',
  ]
    .join(' ')
    .split(' '),
);
/** Verbs whose tools destroy or take away. */
const DESTRUCTIVE = new Set('delete deletes remove removes cancel cancels revoke revokes'.split(' '));

/** Arguments that name where an action goes or whom it reaches (besides the addresses found in any argument). */
const RECIPIENT =
  /^(?:recipients?|to|cc|bcc|participants?|attendees?|invitees?|members?|users?|user_?names?|payees?|beneficiar(?:y|ies)|assignees?|contacts?|channels?|owners?)$/;
/** Arguments that hold a URL: a request goes to its host. */
const URL_ARGUMENT = /(?:^|_)(?:url|uri|link|website|site|domain|href|endpoint|webhook)s?$/;
/** Arguments that set a credential. */
const CREDENTIAL = /(?:^|_)(?:password|passphrase|passcode|secret|token|pin|api_?key)$/;
/** Arguments that are an amount of money or goods. */
const AMOUNT = /(?:^|_)(?:amount|price|total|sum|quantity)$/;

const ADDRESS_KINDS = ['iban', 'email', 'url', 'phone'] as const satisfies readonly ValueKind[];
const ADDRESS_LABELS = { iban: 'the IBAN', email: 'the e-mail address', url: 'the link', phone: 'the phone number' };

/** The words of a name: `send_money` and `sendMoney` → `send`, `money`. */
function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/** True when the tool's name, or its description's first word, is one of `verbs`. */
function does(tool: FunctionTool['function'], verbs: ReadonlySet<string>): boolean {
  const first = words(tool.description ?? '')[0];
  return words(tool.name).some((w) => verbs.has(w)) || (first !== undefined && verbs.has(first));
}

type Schema = { type?: unknown; format?: unknown; items?: Schema; properties?: Record<string, Schema> };

/** The JSON Pointer of an argument: `/name`, or `/name/*` for a list. */
function pointer(name: string, schema: Schema): string {
  const list = schema.type === 'array' || (Array.isArray(schema.type) && schema.type.includes('array'));
  return list ? `/${name}/*` : `/${name}`;
}

const said = (name: string) => name.replaceAll('_', ' ');

/** Reads a tool set into the policy's parts. */
export function genericParts(tools: readonly FunctionTool[]): GenericPolicyParts {
  const parts: GenericPolicyParts = { sinks: {}, consequential: new Set(), destructive: new Set() };
  for (const { function: tool } of tools) {
    const consequential = does(tool, CONSEQUENTIAL);
    if (consequential) parts.consequential.add(tool.name);
    if (does(tool, DESTRUCTIVE)) parts.destructive.add(tool.name);
    const sinks: ToolSink[] = [];
    const properties = (tool.parameters as Schema | undefined)?.properties ?? {};
    for (const [name, schema] of Object.entries(properties)) {
      const format = schema.format ?? schema.items?.format;
      if (URL_ARGUMENT.test(name) || format === 'uri' || format === 'url' || format === 'hostname') {
        sinks.push({ id: `url:${name}`, path: pointer(name, schema), kind: 'url', label: `the ${said(name)}` });
      }
      if (!consequential) continue;
      if (RECIPIENT.test(name)) {
        sinks.push({ id: `name:${name}`, path: pointer(name, schema), kind: 'string', label: `the ${said(name)}` });
      }
      if (CREDENTIAL.test(name)) {
        sinks.push({ id: `secret:${name}`, path: `/${name}`, kind: 'string', label: `the new ${said(name)}` });
      }
      if (AMOUNT.test(name)) {
        sinks.push({ id: `amount:${name}`, path: `/${name}`, kind: 'number', label: `the ${said(name)}` });
      }
    }
    if (consequential) {
      // Every address in any argument: a recipient's IBAN, an e-mail in a list, a link in a message body.
      for (const kind of ADDRESS_KINDS) sinks.push({ id: `any:${kind}`, kind, label: ADDRESS_LABELS[kind] });
    }
    if (sinks.length > 0) parts.sinks[tool.name] = sinks;
  }
  return parts;
}

/**
 * The generic policy's gates for a tool set: a {@link ProvenanceGate} with the sinks {@link genericParts} finds, a
 * rule that sends destructive calls to a person, and a rate limit on consequential calls.
 */
export function genericPolicy(name: string, tools: readonly FunctionTool[]): ReplayPolicy {
  const parts = genericParts(tools);
  const destructive: WhenRule = {
    id: 'destructive',
    effect: 'require_approval',
    reason: 'destructive_action',
    message: 'This call deletes or removes something, which cannot be undone; a person must approve it first.',
    when: (ctx) => parts.destructive.has(ctx.tool),
  };
  const toolOptions = confine(tools, { consequential: parts.consequential });
  for (const [tool, sinks] of Object.entries(parts.sinks)) {
    toolOptions[tool] = { ...toolOptions[tool], provenance: { sinks } };
  }
  return {
    name,
    tools,
    toolOptions,
    gates: () => [
      new ProvenanceGate({ sinks: [], trustFields: true }),
      new RuleGate({ rules: [destructive] }),
      perUserPerMinute('consequential', 20),
    ],
    context: agentdojoContext,
    scope: 'episode',
  };
}

/** The generic policy on each AgentDojo suite's tools: the same rules, each agent with its own tool set. */
export const genericSuitesPolicy = {
  policies: {
    banking: genericPolicy('generic (banking tools)', loadTools()),
    slack: genericPolicy('generic (slack tools)', suiteTools('slack')),
    workspace: genericPolicy('generic (workspace tools)', suiteTools('workspace')),
  },
  route: suiteOf,
} satisfies PolicyRouter;

export default genericSuitesPolicy;
