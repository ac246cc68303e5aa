// A walk through `tollgate mcp-proxy` as an MCP host and a person see it: the host launches the proxy from its
// configuration entry, the model's calls are gated, and a person approves a write from the terminal.
//   node --conditions=@tollgate/source --import tsx examples/mcp/src/demo.ts
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, denialOf, policyFile, proxyEntry, textOf, tollgate } from './host.js';

/** One step of the walk-through, for the test to check. */
export interface DemoStep {
  what: string;
  outcome: string;
  detail: string;
}

/** Runs the walk-through on a fresh sandbox; `log` receives the lines to show. */
export async function runDemo(log: (line: string) => void = () => undefined): Promise<DemoStep[]> {
  const sandbox = mkdtempSync(join(tmpdir(), 'tollgate-mcp-demo-'));
  const audit = `${sandbox}.audit.jsonl`;
  writeFileSync(join(sandbox, 'notes.txt'), 'Q3 numbers: revenue up 12%, churn down 1 point.\n');
  mkdirSync(join(sandbox, 'out'));
  const env = { MCP_AUDIT: audit };
  const entry = proxyEntry(sandbox, env);
  const steps: DemoStep[] = [];
  const step = (what: string, outcome: string, detail: string) => {
    steps.push({ what, outcome, detail });
    log(`> ${what}\n  ${outcome}: ${detail.length > 160 ? `${detail.slice(0, 160)}…` : detail}`);
  };
  log(`The host's configuration entry:\n${JSON.stringify({ mcpServers: { filesystem: entry } }, null, 2)}\n`);
  const { client } = await connect(entry);
  try {
    const call = async (what: string, name: string, args: Record<string, unknown>) => {
      const result = await client.callTool({ name, arguments: args });
      const denial = denialOf(result);
      if (denial) step(what, `${denial.status} (${denial.reason})`, denial.message);
      else step(what, 'executed', textOf(result).trim());
      return denial;
    };
    await call('list_directory on the sandbox', 'list_directory', { path: sandbox });
    await call('read_text_file notes.txt', 'read_text_file', { path: join(sandbox, 'notes.txt') });
    await call('write_file over notes.txt', 'write_file', { path: join(sandbox, 'notes.txt'), content: 'gone' });
    const summary = { path: join(sandbox, 'out', 'summary.txt'), content: 'Revenue up 12%; churn down 1 point.\n' };
    const asked = await call('write_file out/summary.txt', 'write_file', summary);
    const id = asked?.approval_id ?? '';

    const listed = await tollgate(['approvals', 'list', '--policy', policyFile], entryEnv(entry));
    log(`$ tollgate approvals list --policy ${policyFile}\n${listed.stdout}${listed.code ? listed.stderr : ''}`);
    const approved = await tollgate(
      ['approvals', 'approve', id, '--policy', policyFile, '--by', 'demo-reviewer'],
      entryEnv(entry),
    );
    step(
      `tollgate approvals approve ${id}`,
      approved.code === 0 ? 'approved' : `exit ${approved.code}`,
      outputOf(approved),
    );

    await call('write_file out/summary.txt, again', 'write_file', summary);
    await call('read_text_file out/summary.txt', 'read_text_file', { path: summary.path });
  } finally {
    await client.close();
  }
  const verified = await tollgate(['audit', 'verify', audit]);
  step('tollgate audit verify', verified.code === 0 ? 'intact' : `exit ${verified.code}`, outputOf(verified));
  rmSync(sandbox, { recursive: true, force: true });
  rmSync(audit, { force: true });
  return steps;
}

/** A command's output; stderr only when it failed (pnpm echoes the script there). */
function outputOf(r: { code: number; stdout: string; stderr: string }): string {
  return (r.code === 0 ? r.stdout : r.stdout + r.stderr).trim();
}

/** What a terminal needs to find the same policy as the proxy: the entry's environment. */
function entryEnv(entry: { env?: Record<string, string> }): Record<string, string> {
  return entry.env ?? {};
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runDemo((line) => console.log(line));
}
