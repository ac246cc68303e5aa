// What the proxy adds to a tool call: the SDK's client calls read_text_file on the filesystem server directly (the
// floor) and through `tollgate mcp-proxy` (annotation gate, rules, a hash-chained audit record per call), in the
// same run, sequentially and 100 at a time.
//   node --conditions=@tollgate/source --import tsx examples/mcp/src/round-trip.ts [calls]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, filesystemServer, proxyEntry, repo, type ServerEntry } from './host.js';

const calls = Number(process.argv[2] ?? 300);
const sandbox = mkdtempSync(join(tmpdir(), 'tollgate-mcp-rt-'));
writeFileSync(join(sandbox, 'notes.txt'), 'x'.repeat(1024));
const audit = `${sandbox}.audit.jsonl`;
const args = { path: join(sandbox, 'notes.txt') };

/** The proxy without pnpm in between: the same process a host would end up running. */
function directProxy(entry: ServerEntry): ServerEntry {
  const at = entry.args.indexOf('mcp-proxy');
  return {
    command: process.execPath,
    args: [
      '--conditions=@tollgate/source',
      '--import',
      'tsx',
      join(repo, 'packages/cli/src/bin.ts'),
      ...entry.args.slice(at),
    ],
    env: { ...entry.env, PATH: process.env.PATH ?? '' },
  };
}

async function measure(label: string, entry: ServerEntry): Promise<void> {
  const { client } = await connect(entry, label);
  try {
    for (let i = 0; i < 30; i++) await client.callTool({ name: 'read_text_file', arguments: args });
    const times: number[] = [];
    for (let i = 0; i < calls; i++) {
      const t = performance.now();
      await client.callTool({ name: 'read_text_file', arguments: args });
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(2);
    const t = performance.now();
    await Promise.all(Array.from({ length: 100 }, () => client.callTool({ name: 'read_text_file', arguments: args })));
    const batch = performance.now() - t;
    console.log(
      `${label.padEnd(26)} median ${at(0.5)} ms  p90 ${at(0.9)} ms  p99 ${at(0.99)} ms  100 concurrent: ${batch.toFixed(0)} ms`,
    );
  } finally {
    await client.close();
  }
}

console.log(`read_text_file (1 KiB), ${calls} sequential calls after 30 warm-up, then 100 at once`);
await measure('direct to the server', { command: process.execPath, args: [filesystemServer, sandbox] });
await measure('through tollgate mcp-proxy', directProxy(proxyEntry(sandbox, { MCP_AUDIT: audit })));
rmSync(sandbox, { recursive: true, force: true });
rmSync(audit, { force: true });
