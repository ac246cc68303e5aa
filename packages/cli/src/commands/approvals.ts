import { userInfo } from 'node:os';
import { type ApprovalRecord, type ApprovalResponse, GatedToolRunner, MemoryApprovalStore } from '@tollgate/core';
import { askProxy, proxySockets, type SocketResponse } from '../approvals/socket.js';
import { CliError, type CliIo, ExitCode, errorText } from '../io.js';
import { loadPolicy } from '../policy/load.js';
import { makeGates, proxyPolicy } from '../policy/mcp.js';

/** Options of `tollgate approvals list|approve|deny`. */
export interface ApprovalsOptions {
  /** The policy module whose approval store to use. */
  policy: string;
  /** `list`: print JSON. */
  json?: boolean;
  /** `approve`/`deny`: who decides (default: the OS user). */
  by?: string;
  /** `approve`/`deny`: why. */
  comment?: string;
}

/** Where the approvals are: a shared store this process can open, or the sockets of running proxies. */
interface Approvals {
  list(): Promise<ApprovalRecord[]>;
  decide(op: 'approve' | 'deny', id: string, by: string, comment?: string): Promise<ApprovalResponse>;
  close(): Promise<void>;
}

/**
 * `tollgate approvals list|approve|deny --policy p.ts`: lists the approvals waiting in the policy's store, or
 * decides one. A shared store (Redis) is opened directly, through a runner with the policy's gates, so the gates
 * that asked are told (`onApprovalDecision`); the default in-memory store lives in the proxy process, reached
 * through the approval socket of each running `tollgate mcp-proxy` with this policy. Exit 0 when done, 1 when the
 * decision was refused (unknown, expired, already decided) or no proxy holds the approvals, 2 for usage errors.
 */
export async function approvalsCommand(
  action: 'list' | 'approve' | 'deny',
  id: string | undefined,
  options: ApprovalsOptions,
  io: CliIo,
): Promise<number> {
  if (action !== 'list' && !id) throw new CliError(`tollgate approvals ${action} needs an approval id (apr_…)`);
  const approvals = await open(options.policy, io.cwd ?? process.cwd());
  try {
    if (action === 'list') {
      const pending = await approvals.list();
      io.stdout.write(options.json ? `${JSON.stringify(pending, null, 2)}\n` : renderList(pending));
      return ExitCode.ok;
    }
    const by = options.by ?? userInfo().username;
    const response = await approvals.decide(action, id!, by, options.comment);
    if (!response.ok) {
      io.stderr.write(`tollgate: ${id}: ${response.message} (${response.reason})\n`);
      return ExitCode.failed;
    }
    const verb = action === 'approve' ? 'Approved' : 'Denied';
    io.stdout.write(`${verb} ${id} (${response.approval.tool}) as ${by}.\n`);
    for (const warning of response.warnings ?? []) io.stderr.write(`warning: ${warning}\n`);
    if (action === 'approve') io.stdout.write('It runs when the model calls the tool again with the same arguments.\n');
    return ExitCode.ok;
  } finally {
    await approvals.close();
  }
}

async function open(policyPath: string, cwd: string): Promise<Approvals> {
  const { file, policy, settings } = proxyPolicy(await loadPolicy(policyPath, cwd));
  const store = await Promise.resolve(settings.approvals?.()).catch((err) => {
    throw new CliError(`Policy "${policy.name}": approvals() failed: ${errorText(err)}`);
  });
  const close = async () => {
    await Promise.resolve(settings.close?.()).catch(() => undefined);
  };
  if (store && !(store instanceof MemoryApprovalStore)) {
    const runner = new GatedToolRunner({ gates: (await makeGates(policy)).gates, approvals: store });
    return {
      list: () => runner.pendingApprovals(),
      decide: (op, id, by, comment) => runner[op](id, { by, ...(comment === undefined ? {} : { comment }) }),
      close,
    };
  }
  const sockets = await proxySockets(file);
  if (sockets.length === 0) {
    await close();
    throw new CliError(
      `No tollgate mcp-proxy is running with ${file}. Its approvals are in memory, in the proxy process; give the policy a shared store (RedisApprovalStore) to decide them while no proxy runs.`,
      ExitCode.failed,
    );
  }
  return {
    async list() {
      const all = await Promise.all(sockets.map((path) => askProxy(path, { op: 'list' }).then(unwrap)));
      return all.flatMap((r) => ('approvals' in r ? r.approvals : [])).sort((a, b) => a.createdAt - b.createdAt);
    },
    async decide(op, id, by, comment) {
      let last: ApprovalResponse | undefined;
      for (const path of sockets) {
        const answer = unwrap(await askProxy(path, { op, id, by, ...(comment === undefined ? {} : { comment }) }));
        if (!('response' in answer)) continue;
        last = answer.response;
        if (last.ok || last.reason !== 'approval_not_found') return last;
      }
      return last ?? { ok: false, reason: 'approval_not_found', message: 'No such approval.' };
    },
    close,
  };
}

function unwrap(response: SocketResponse): Exclude<SocketResponse, { ok: false }> {
  if (!response.ok) throw new CliError(`The proxy refused the request: ${response.error}`, ExitCode.failed);
  return response;
}

function renderList(pending: readonly ApprovalRecord[]): string {
  if (pending.length === 0) return 'No approvals are waiting.\n';
  const lines = [`${pending.length} approval${pending.length === 1 ? '' : 's'} waiting:`];
  for (const a of pending) {
    const args = JSON.stringify(a.args);
    lines.push('');
    lines.push(`  ${a.id}  ${a.tool}  (${a.reason})`);
    lines.push(`    arguments: ${args.length > 300 ? `${args.slice(0, 300)}…` : args}`);
    if (a.message) lines.push(`    why: ${a.message}`);
    const who = [a.context.actor, a.context.tenant].filter(Boolean).join(' @ ');
    if (who) lines.push(`    caller: ${who}`);
    lines.push(`    requested ${new Date(a.createdAt).toISOString()}, expires ${new Date(a.expiresAt).toISOString()}`);
  }
  lines.push('', 'Decide with: tollgate approvals approve <id> --policy … (or deny).');
  return `${lines.join('\n')}\n`;
}
