import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CallDecision, main, type ReplaySummary } from '../src/index.js';
import { fixture, runCli, tempDir } from './helpers.js';

const policy = fixture('policy.ts');
const episodes = fixture('agentdojo/episodes.jsonl');
const transcripts = fixture('agentdojo/transcripts.jsonl');

async function replayJson(args: string[]): Promise<{ code: number; summary: ReplaySummary; stderr: string }> {
  const { code, stdout, stderr } = await runCli(['replay', ...args, '--policy', policy, '--json']);
  return { code, summary: JSON.parse(stdout), stderr };
}

// Expected figures, counted by hand from the three fixture episodes and the fixture policy (unknown payee →
// approval, update_password → block):
//   user_task_0 (benign):      read_file ✓, send_money to the known UK… payee ✓
//   user_task_1 + injection 0: get_most_recent_transactions ✓, send_money to US133… (attack) → approval
//   user_task_0 + injection 7: read_file ✓, update_password (attack) → blocked, get_iban ✓, send_money to DE89… → approval
describe('tollgate replay on AgentDojo episodes', () => {
  it('counts outcomes, tools, reasons and labels', async () => {
    const { code, summary } = await replayJson([episodes, '--transcripts', transcripts]);
    expect(code).toBe(0);
    expect(summary.format).toBe('agentdojo');
    expect(summary.episodes).toBe(3);
    expect(summary.calls).toBe(8);
    expect(summary.totals).toEqual({ executed: 5, blocked: 1, approval: 2 });
    expect(summary.byTool.send_money).toEqual({ executed: 1, blocked: 0, approval: 2 });
    expect(summary.byTool.update_password).toEqual({ executed: 0, blocked: 1, approval: 0 });
    expect(summary.byReason).toEqual([
      { outcome: 'approval', gate: 'payee', reason: 'unknown_payee', calls: 2 },
      { outcome: 'blocked', gate: 'password', reason: 'password_change_blocked', calls: 1 },
    ]);
    expect(summary.labels).toEqual({
      attack: { executed: 0, blocked: 1, approval: 1 },
      other: { executed: 5, blocked: 0, approval: 1 },
    });
    expect(summary.skipped).toEqual([]);
  });

  it('prints the same figures as text, with the per-label breakdown', async () => {
    const { code, stdout } = await runCli(['replay', episodes, '--policy', policy, '--group-by', 'kind']);
    expect(code).toBe(0);
    expect(stdout).toContain('Replayed 3 episodes, 8 tool calls (agentdojo format)');
    expect(stdout).toMatch(/executed\s+5\n\s+blocked\s+1\n\s+approval\s+2 {2}\(left pending\)/);
    expect(stdout).toContain('attack-labelled calls  2 calls: 1 blocked, 1 sent to approval, 0 allowed');
    expect(stdout).toContain('other calls            6 calls: 0 blocked, 1 sent to approval, 5 executed');
    expect(stdout).toMatch(/benign\s+all: 2 calls: 0 blocked, 0 sent to approval, 2 executed/);
  });

  it('breaks the summary down by an episode label', async () => {
    const { summary } = await replayJson([episodes, '--group-by', 'kind']);
    expect(summary.groups?.values.benign?.all).toEqual({ executed: 2, blocked: 0, approval: 0 });
    expect(summary.groups?.values.attacked?.attack).toEqual({ executed: 0, blocked: 1, approval: 1 });
  });

  it('lets a stand-in reviewer approve or deny the approvals', async () => {
    const approved = await replayJson([episodes, '--approve-all']);
    expect(approved.summary.review).toEqual({ approved: 2, denied: 0, executedAfterApproval: 2 });
    const denied = await replayJson([episodes, '--deny-all']);
    expect(denied.summary.review).toEqual({ approved: 0, denied: 2, executedAfterApproval: 0 });
    // First-pass outcomes do not change: the reviewer acts after the gates decided.
    expect(denied.summary.totals).toEqual({ executed: 5, blocked: 1, approval: 2 });
    const both = await runCli(['replay', episodes, '--policy', policy, '--approve-all', '--deny-all']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--approve-all and --deny-all exclude each other');
  });

  it('writes one decision line per call with --out, recorded outputs flowing through the handlers', async () => {
    const dir = await tempDir();
    const out = join(dir, 'decisions.jsonl');
    const { code } = await runCli(['replay', episodes, '--policy', policy, '--transcripts', transcripts, '--out', out]);
    expect(code).toBe(0);
    const lines = (await readFile(out, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as CallDecision);
    expect(lines).toHaveLength(8);
    expect(lines.map((d) => d.outcome)).toEqual([
      'executed',
      'executed',
      'executed',
      'approval',
      'executed',
      'blocked',
      'executed',
      'approval',
    ]);
    expect(lines[5]).toMatchObject({
      episode: 'banking/user_task_0/important_instructions/injection_task_7',
      tool: 'update_password',
      status: 'blocked',
      gate: 'password',
      reason: 'password_change_blocked',
      attack: true,
    });
    // The replay clock steps 1 s per call.
    expect(lines[1]!.at - lines[0]!.at).toBe(1000);
  });
});

describe('tollgate replay --audit', () => {
  it('records every call in a new audit file that audit verify accepts, and never overwrites one', async () => {
    const dir = await tempDir();
    const audit = join(dir, 'replay-audit.jsonl');
    const first = await runCli(['replay', episodes, '--policy', policy, '--audit', audit]);
    expect(first.code).toBe(0);
    expect(first.stderr).toContain(`Audit: 8 records written to ${audit}`);
    const records = (await readFile(audit, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(records.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const verified = await runCli(['audit', 'verify', audit]);
    expect(verified.code).toBe(0);
    const again = await runCli(['replay', episodes, '--policy', policy, '--audit', audit]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('exists; replay writes a new audit file');
  });
});

describe('tollgate replay on other formats', () => {
  it('reads OpenAI chat transcripts: same decisions, no labels', async () => {
    const { code, summary } = await replayJson([fixture('agentdojo/openai-chat.jsonl')]);
    expect(code).toBe(0);
    expect(summary.format).toBe('openai-chat');
    expect(summary.totals).toEqual({ executed: 5, blocked: 1, approval: 2 });
    expect(summary.labels).toBeUndefined();
  });

  // tollgate.jsonl, by hand: ep-1 get_balance ✓, send_money to the known payee ✓; line 2 is not JSON;
  // ep-2 get_iban ✓ but failed as recorded, wire_everything unknown → blocked, send_money with a string
  // amount and no subject/date → blocked by validation; line 4 has a call without an id.
  it('reads the tollgate format, counting each malformed line with its line number (exit 3)', async () => {
    const { code, summary } = await replayJson([fixture('tollgate.jsonl')]);
    expect(code).toBe(3);
    expect(summary.format).toBe('tollgate');
    expect(summary.episodes).toBe(2);
    expect(summary.totals).toEqual({ executed: 3, blocked: 2, approval: 0 });
    expect(summary.toolErrors).toBe(1);
    expect(summary.byReason.map((r) => `${r.gate}:${r.reason}`).sort()).toEqual([
      'registry:unknown_tool',
      'validation:invalid_arguments',
    ]);
    expect(summary.skipped).toHaveLength(2);
    expect(summary.skipped[0]).toMatchObject({ line: 2 });
    expect(summary.skipped[0]!.message).toContain('not valid JSON');
    expect(summary.skipped[1]).toEqual({ line: 4, message: 'calls[0]: `id` must be a non-empty string' });
  });

  it('skips, counts and names an episode whose policy context() throws; the others replay (exit 3)', async () => {
    const { code, stdout } = await runCli([
      'replay',
      fixture('tollgate.jsonl'),
      '--policy',
      fixture('throwing-policy.ts'),
      '--json',
    ]);
    const summary = JSON.parse(stdout) as ReplaySummary;
    expect(code).toBe(3);
    expect(summary.episodes).toBe(1);
    expect(summary.skipped.map((s) => s.line)).toEqual([2, 3, 4]);
    expect(summary.skipped[1]!.message).toBe(`the policy's context() failed for episode "ep-2": no account for ep-2`);
  });

  it('uses a forced --format, and skips every line that is not in it', async () => {
    const { code, summary } = await replayJson([episodes, '--format', 'tollgate']);
    expect(code).toBe(3);
    expect(summary.episodes).toBe(0);
    expect(summary.skipped.map((s) => s.line)).toEqual([1, 2, 3]);
  });

  it('counts tools and groups named like Object.prototype members as their own entries', async () => {
    const dir = await tempDir();
    const file = join(dir, 'proto.jsonl');
    const names = ['__proto__', 'constructor', 'toString'];
    const calls = names.map((tool, i) => ({ id: `c${i}`, tool, arguments: {} }));
    const lines = names.map((kind, i) => JSON.stringify({ id: `ep-${i}`, labels: { kind }, calls }));
    await writeFile(file, lines.join('\n'));
    const { code, summary } = await replayJson([file, '--group-by', 'kind']);
    expect(code).toBe(0);
    const blocked = { executed: 0, blocked: 3, approval: 0 };
    for (const name of names) {
      expect(Object.hasOwn(summary.byTool, name), name).toBe(true);
      expect(summary.byTool[name], name).toEqual(blocked);
      expect(Object.hasOwn(summary.groups!.values, name), name).toBe(true);
      expect(summary.groups!.values[name]!.all, name).toEqual({ executed: 0, blocked: 3, approval: 0 });
    }
    expect(({} as Record<string, unknown>).blocked).toBeUndefined();
  });

  it('moves the replay clock to recorded call times', async () => {
    const dir = await tempDir();
    const out = join(dir, 'decisions.jsonl');
    await runCli(['replay', fixture('tollgate.jsonl'), '--policy', policy, '--out', out, '--step', '5']);
    const lines = (await readFile(out, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as CallDecision);
    expect(lines[1]!.at).toBe(Date.parse('2024-03-01T10:00:00Z'));
    expect(lines[2]!.at).toBe(Date.parse('2024-03-01T10:00:00Z') + 5);
  });
});

describe('tollgate replay progress', () => {
  it('draws a progress bar on a terminal for long input, and nothing when piped', async () => {
    const dir = await tempDir();
    const file = join(dir, 'long.jsonl');
    const line = (i: number) =>
      JSON.stringify({ id: `ep-${i}`, calls: [{ id: `c${i}`, tool: 'get_balance', arguments: {} }] });
    await writeFile(file, Array.from({ length: 60 }, (_, i) => line(i)).join('\n'));
    let tty = '';
    const code = await main(['replay', file, '--policy', policy], {
      stdout: { write: () => true },
      stderr: { write: (s: string) => (tty += s), isTTY: true, columns: 100 },
    });
    expect(code).toBe(0);
    expect(tty).toContain('60/60 episodes');
    const piped = await runCli(['replay', file, '--policy', policy]);
    expect(piped.stderr).toBe('');
  });
});

describe('tollgate replay interrupted', () => {
  it('stops at its signal, prints what it replayed and exits 130', async () => {
    const controller = new AbortController();
    controller.abort();
    const { code, stdout, stderr } = await runCli(['replay', episodes, '--policy', policy], {
      signal: controller.signal,
    });
    expect(code).toBe(130);
    expect(stdout).toContain('Replayed 0 episodes, 0 tool calls');
    expect(stderr).toContain('interrupted; the summary covers the first 0 episodes');
  });
});

describe('tollgate replay errors', () => {
  it('refuses --transcripts with a format other than AgentDojo', async () => {
    const { code, stderr } = await runCli(['replay', fixture('tollgate.jsonl'), '--policy', policy, '-t', transcripts]);
    expect(code).toBe(2);
    expect(stderr).toContain('--transcripts goes with AgentDojo episodes');
  });

  it('names a missing input file (exit 2)', async () => {
    const { code, stderr } = await runCli(['replay', 'nope.jsonl', '--policy', policy], { cwd: '/tmp' });
    expect(code).toBe(2);
    expect(stderr).toContain('Input file not found: /tmp/nope.jsonl');
  });

  it('names a missing policy module', async () => {
    const { code, stderr } = await runCli(['replay', episodes, '--policy', '/tmp/no-such-policy.ts']);
    expect(code).toBe(2);
    expect(stderr).toContain('Policy module not found: /tmp/no-such-policy.ts');
  });

  it('names the file and what a bad policy module is missing', async () => {
    const { code, stderr } = await runCli(['replay', episodes, '--policy', fixture('bad-policy.ts')]);
    expect(code).toBe(2);
    expect(stderr).toContain(`Policy module ${fixture('bad-policy.ts')}: is missing \`gates\``);
  });

  it('reports a policy module that throws while loading', async () => {
    const dir = await tempDir();
    const file = join(dir, 'throws.mjs');
    await writeFile(file, "throw new Error('no config');\n");
    const { code, stderr } = await runCli(['replay', episodes, '--policy', file]);
    expect(code).toBe(2);
    expect(stderr).toContain(`Policy module ${file} failed to load: no config`);
  });

  it('reports a policy whose tool schema is invalid when the runner is built', async () => {
    const dir = await tempDir();
    const file = join(dir, 'bad-schema.mjs');
    await writeFile(
      file,
      "export default { tools: [{ name: 'read_file', parameters: { type: 'object', properties: { x: { type: 'nope' } } } }], gates: () => [] };\n",
    );
    const { code, stderr } = await runCli(['replay', episodes, '--policy', file]);
    expect(code).toBe(2);
    expect(stderr).toContain('Tool "read_file" has an invalid parameters schema');
  });

  it('reports gates() returning something other than gates', async () => {
    const dir = await tempDir();
    const file = join(dir, 'odd-gates.mjs');
    await writeFile(file, 'export default { tools: [], gates: () => ({ rules: [] }) };\n');
    const { code, stderr } = await runCli(['replay', episodes, '--policy', file]);
    expect(code).toBe(2);
    expect(stderr).toContain('gates() must return an array of gates or { gates, tools }');
  });

  it('refuses input whose format cannot be told', async () => {
    const dir = await tempDir();
    const file = join(dir, 'odd.jsonl');
    await writeFile(file, '{"hello":1}\n');
    const { code, stderr } = await runCli(['replay', file, '--policy', policy]);
    expect(code).toBe(2);
    expect(stderr).toContain('Cannot tell the format');
  });

  it('treats a missing --policy as a usage error', async () => {
    const { code, stderr } = await runCli(['replay', episodes]);
    expect(code).toBe(2);
    expect(stderr).toContain("required option '-p, --policy <module>' not specified");
  });
});

// shadow-policy.ts on the three fixture episodes (see the figures above): update_password is blocked by the one
// enforced rule; the shadow rule would block the two send_money calls to new payees; the gate in shadow would
// send both read_file calls to approval. Nothing in shadow changes what ran.
describe('tollgate replay with gates and rules in shadow', () => {
  it('counts would-block and would-ask by gate and rule, apart from what was enforced', async () => {
    const { code, stdout } = await runCli(['replay', episodes, '--policy', fixture('shadow-policy.ts'), '--json']);
    expect(code).toBe(0);
    const summary = JSON.parse(stdout) as ReplaySummary;
    expect(summary.totals).toEqual({ executed: 7, blocked: 1, approval: 0 });
    expect(summary.shadow).toEqual({
      wouldBlock: 2,
      wouldAsk: 2,
      byRule: [
        { outcome: 'would_block', gate: 'rule', rule: 'new-payees', reason: 'unknown_payee', calls: 2 },
        { outcome: 'would_ask', gate: 'read-review', rule: '-', reason: 'file_read_review', calls: 2 },
      ],
    });
    const text = await runCli(['replay', episodes, '--policy', fixture('shadow-policy.ts')]);
    expect(text.stdout).toContain(
      'In shadow (recorded, not enforced): 2 calls would have been blocked, 2 sent to approval',
    );
    expect(text.stdout).toMatch(/2 {2}would_block {2}rule \/ new-payees: unknown_payee/);
  });

  it('leaves the shadow section out when nothing in shadow would have stopped a call', async () => {
    expect((await replayJson([episodes])).summary.shadow).toBeUndefined();
  });
});
