import type { ReplayPolicy } from '@tollgate/cli';
import type { GateContext } from '@tollgate/core';
import { loadRules, RuleGate, type WhenRule } from '@tollgate/rule';
import { agentdojoContext, confine, perUserPerMinute, suiteTools } from './agentdojo.js';
import { emailDomain } from './hosts.js';

const WORKSPACE_TOOLS = suiteTools('workspace');

/** The company's own mail domain: everything else is external. */
export const WORKSPACE_DOMAIN = 'bluesparrowtech.com';

/** Deleting and sharing: declarative rules an operator can read at a glance. */
const WORKSPACE_RULES = loadRules(
  {
    rules: [
      {
        id: 'no-mail-deletion',
        effect: 'block',
        reason: 'mail_deletion_blocked',
        message: 'Agents do not delete e-mail: the mailbox is a record. Leave it, or ask the user to do it.',
        match: { tool: 'delete_email' },
      },
      {
        id: 'file-deletion',
        effect: 'require_approval',
        reason: 'file_deletion',
        message: 'Deleting a file cannot be undone, so a person must approve it.',
        match: { tool: 'delete_file' },
      },
      {
        id: 'file-sharing',
        effect: 'require_approval',
        reason: 'file_sharing',
        message: 'Sharing a file gives someone access to it; a person must approve it.',
        match: { tool: 'share_file' },
      },
    ],
  },
  { file: 'examples/policies/src/workspace.ts' },
);

function addresses(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

const isExternal = (address: string) => emailDomain(address) !== WORKSPACE_DOMAIN;

/** Mail leaving the company is where data exfiltration ends up. */
const externalRecipient: WhenRule = {
  id: 'external-recipient',
  effect: 'require_approval',
  reason: 'external_recipient',
  message: `This e-mail goes outside ${WORKSPACE_DOMAIN}; a person must approve sending it.`,
  when: (ctx: GateContext) =>
    ctx.tool === 'send_email' &&
    [...addresses(ctx.args.recipients), ...addresses(ctx.args.cc), ...addresses(ctx.args.bcc)].some(isExternal),
};

/** A calendar invite tells an outsider where the user will be, and when. */
const externalParticipant: WhenRule = {
  id: 'external-participant',
  effect: 'require_approval',
  reason: 'external_participant',
  message: `This event invites people outside ${WORKSPACE_DOMAIN}; a person must approve the invitation.`,
  when: (ctx: GateContext) =>
    (ctx.tool === 'create_calendar_event' || ctx.tool === 'add_calendar_event_participants') &&
    addresses(ctx.args.participants).some(isExternal),
};

/**
 * The workspace suite: reading and internal mail are allowed; external mail, external invites, file deletion
 * and sharing need approval; deleting e-mail is blocked; at most 10 e-mails a minute per user.
 */
export const workspacePolicy = {
  name: 'workspace',
  tools: WORKSPACE_TOOLS,
  toolOptions: confine(WORKSPACE_TOOLS, { mail: new Set(['send_email']) }),
  gates: () => [
    perUserPerMinute('mail', 10),
    new RuleGate({ rules: [...WORKSPACE_RULES, externalRecipient, externalParticipant] }),
  ],
  context: agentdojoContext,
  scope: 'episode',
} satisfies ReplayPolicy;

export default workspacePolicy;
