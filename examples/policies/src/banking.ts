import type { ReplayPolicy } from '@tollgate/cli';
import { bankPolicy, loadTools } from '@tollgate/example-banking';
import { agentdojoContext } from './agentdojo.js';

/**
 * Payees in the account's opening ledger (AgentDojo's banking environment), the same four the demo derives from
 * the recorded history with `knownPayees`: paying them needs no approval.
 */
export const BANKING_KNOWN_PAYEES: readonly string[] = [
  'CH9300762011623852957',
  'GB29NWBK60161331926819',
  'SE3550000000054910000003',
  'US122000000121212121212',
];

/**
 * The banking suite for `tollgate replay`: the banking demo's own policy (`bankPolicy` in examples/banking):
 * payments and recipient changes to payees outside the account's history, and password or profile changes, need
 * approval; 2,500.00 a day; 3 payments per session per 10 minutes.
 */
export const bankingPolicy = {
  name: 'banking',
  tools: loadTools(),
  gates: () => bankPolicy({ knownPayees: new Set(BANKING_KNOWN_PAYEES) }),
  context: agentdojoContext,
  scope: 'episode',
} satisfies ReplayPolicy;

export default bankingPolicy;
