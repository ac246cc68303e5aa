import type { PolicyRouter } from '@tollgate/cli';
import { suiteOf } from './agentdojo.js';
import { bankingPolicy } from './banking.js';
import { slackPolicy } from './slack.js';
import { workspacePolicy } from './workspace.js';

/** All three suites: each AgentDojo episode gets its suite's policy (`tollgate replay … --policy suites.ts`). */
export const suitesPolicy = {
  policies: { banking: bankingPolicy, slack: slackPolicy, workspace: workspacePolicy },
  route: suiteOf,
} satisfies PolicyRouter;

export default suitesPolicy;
