// A policy for `tollgate mcp-proxy` in front of the official filesystem MCP server
// (@modelcontextprotocol/server-filesystem), started on the folder in MCP_SANDBOX:
//
// - tools the server marks read-only (read_text_file, list_directory, search_files…) run;
// - writes (write_file, edit_file, create_directory, move_file) may only touch MCP_SANDBOX/out/, and even
//   there each one waits for a person (the server marks them destructive; create_directory is "not read-only");
// - every call lands in a hash-chained audit file (MCP_AUDIT, default examples/mcp/audit.jsonl);
// - approvals live in the proxy's memory, or in Redis when MCP_APPROVALS_REDIS is set (a URL), so they can be
//   decided while no proxy runs and shared by several.
//
// The server's annotations are hints it gives about itself; this policy does not trust them for what matters:
// the write rule below is tollgate's own, by tool name and resolved path.
import { resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RedisApprovalStore } from '@tollgate/approvals-redis';
import { AuditGate, JsonlFileSink } from '@tollgate/audit';
import { defineMcpPolicy } from '@tollgate/cli';
import { ToolAnnotationGate } from '@tollgate/mcp';
import { RuleGate } from '@tollgate/rule';
import { Redis } from 'ioredis';

const sandbox = process.env.MCP_SANDBOX;
if (!sandbox) throw new Error('Set MCP_SANDBOX to the folder the filesystem server serves');
/** Where writes may go (resolved, with a trailing separator, so `out-evil/` and `out/../` do not pass). */
export const writable = resolve(sandbox, 'out') + sep;
const audit = process.env.MCP_AUDIT ?? fileURLToPath(new URL('../audit.jsonl', import.meta.url));
const WRITES = new Set(['write_file', 'edit_file', 'create_directory', 'move_file']);

/** Every path a call names. */
function pathsOf(args: Record<string, unknown>): string[] {
  return [args.path, args.source, args.destination].filter((p): p is string => typeof p === 'string');
}

let redis: Redis | undefined;

export default defineMcpPolicy({
  name: 'filesystem',
  gates: () => [
    new ToolAnnotationGate({
      rules: new RuleGate({
        rules: [
          {
            id: 'writes-stay-in-out',
            effect: 'block',
            reason: 'outside_writable_dir',
            message: `Writes may only go under ${writable}. Do not retry elsewhere; ask the user.`,
            when: (ctx) => WRITES.has(ctx.tool) && pathsOf(ctx.args).some((p) => !resolve(p).startsWith(writable)),
          },
        ],
      }),
    }),
    new AuditGate({ sink: new JsonlFileSink(audit) }),
  ],
  context: () => ({ actor: process.env.USER ?? 'local-user' }),
  approvals: process.env.MCP_APPROVALS_REDIS
    ? () => {
        redis = new Redis(process.env.MCP_APPROVALS_REDIS!, { maxRetriesPerRequest: 1 });
        return new RedisApprovalStore({ redis, prefix: process.env.MCP_APPROVALS_PREFIX ?? 'tollgate:mcp:approvals:' });
      }
    : undefined,
  close: async () => {
    await redis?.quit();
  },
});
