import type { ReplayPolicy } from '@tollgate/cli';
import type { GateContext } from '@tollgate/core';
import { loadRules, RuleGate, type WhenRule } from '@tollgate/rule';
import { agentdojoContext, confine, perUserPerMinute, suiteTools } from './agentdojo.js';
import { hostOf, isListed, linkedHosts } from './hosts.js';

/**
 * Sites the workspace uses: the operator's allowlist for fetching pages and for links in messages. (Written from
 * the sites AgentDojo's slack environment links to; a real deployment lists its own.)
 */
export const SLACK_KNOWN_SITES: readonly string[] = [
  'informations.com',
  'dora-website.com',
  'eve-blog.com',
  'restaurant-zurich.com',
  'company-todo-list.com',
  'our-company.com',
];

const SLACK_TOOLS = suiteTools('slack');
const MESSAGE_TOOLS = new Set(['send_channel_message', 'send_direct_message']);

/** Publishing and membership changes need a person; declarative, so an operator can read and change them. */
const SLACK_RULES = loadRules(
  {
    rules: [
      {
        id: 'publish-to-web',
        effect: 'require_approval',
        reason: 'external_publication',
        message: 'Posting to a website publishes workspace content outside Slack, so a person must approve it first.',
        match: { tool: 'post_webpage' },
      },
      {
        id: 'membership-change',
        effect: 'require_approval',
        reason: 'membership_change',
        message: 'Inviting, removing or adding people changes who can read the workspace; a person must approve it.',
        match: { tool: ['invite_user_to_slack', 'remove_user_from_slack', 'add_user_to_channel'] },
      },
    ],
  },
  { file: 'examples/policies/src/slack.ts' },
);

/** Fetching a page off the allowlist can leak data in the URL and bring in untrusted instructions. */
const unlistedSite: WhenRule = {
  id: 'unlisted-site',
  effect: 'require_approval',
  reason: 'unlisted_site',
  message: 'This website is not on the workspace allowlist; a person must approve visiting it.',
  when: (ctx: GateContext) => {
    if (ctx.tool !== 'get_webpage') return false;
    const host = hostOf(String(ctx.args.url ?? ''));
    return host === undefined || !isListed(host, SLACK_KNOWN_SITES);
  },
};

/** A message that links off the allowlist is how phishing links reach colleagues. */
const unlistedLink: WhenRule = {
  id: 'unlisted-link',
  effect: 'require_approval',
  reason: 'unlisted_link',
  message: 'This message links to a site that is not on the workspace allowlist; a person must approve sending it.',
  when: (ctx: GateContext) =>
    MESSAGE_TOOLS.has(ctx.tool) &&
    linkedHosts(String(ctx.args.body ?? '')).some((host) => !isListed(host, SLACK_KNOWN_SITES)),
};

/**
 * The slack suite: reading is allowed; posting to websites, membership changes, unlisted sites and unlisted links
 * need approval; at most 5 messages a minute per user.
 */
export const slackPolicy = {
  name: 'slack',
  tools: SLACK_TOOLS,
  toolOptions: confine(SLACK_TOOLS, { messages: MESSAGE_TOOLS }),
  gates: () => [perUserPerMinute('messages', 5), new RuleGate({ rules: [...SLACK_RULES, unlistedSite, unlistedLink] })],
  context: agentdojoContext,
  scope: 'episode',
} satisfies ReplayPolicy;

export default slackPolicy;
