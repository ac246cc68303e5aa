import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadRulesFile } from '../src/index.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const script = 'packages/rule/examples/run.ts';

describe('examples/run.ts', () => {
  it('the example rules file is valid', async () => {
    const rules = await loadRulesFile(fileURLToPath(new URL('../examples/rules.json', import.meta.url)));
    expect(rules).toHaveLength(7);
  });

  it('runs from the repository root as documented and prints the expected decisions', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--conditions=@tollgate/source', '--import', 'tsx', script],
      {
        cwd: root,
        timeout: 60_000,
      },
    );
    // Columns are padded for people; compare with runs of spaces collapsed.
    const lines = stdout
      .trim()
      .split('\n')
      .map((line) => line.replace(/\s+/g, ' '));
    expect(lines).toEqual([
      'small payment executed executed matched: agent-payments:allow',
      'large payment approval_required payment_needs_review matched: agent-payments:allow, review-large-or-foreign:require_approval',
      'huge payment blocked amount_over_limit matched: agent-payments:allow, review-large-or-foreign:require_approval, hard-limit:block',
      'sanctioned payee blocked payee_country_blocked matched: agent-payments:allow, sanctioned-country:block',
      'payment without the scope blocked missing_scope matched: agent-payments:allow',
      'payment by a human user blocked no_rule_matched matched: none',
      'read balance executed executed matched: read-only-tools:allow',
      'internal email executed executed matched: internal-email:allow',
      'external email blocked no_rule_matched matched: none',
      'external email by a support lead executed executed matched: external-email-leads:allow',
      'unlisted tool (default-deny) blocked no_rule_matched matched: none',
      'kill switch on blocked kill_switch matched: read-only-tools:allow, kill-switch:block',
      'large payment, approved + resumed executed executed approved',
    ]);
  });
});
