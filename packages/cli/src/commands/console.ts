import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import type { ApprovalStore, Gate, ToolDefinition } from '@tollgate/core';
import { CliError, type CliIo, ExitCode, errorText } from '../io.js';
import type { PolicyGates } from '../policy/define.js';
import { loadPolicy } from '../policy/load.js';
import { withToolGates } from '../replay/engine.js';

/** Options of `tollgate console`, as commander parses them. */
export interface ConsoleCommandOptions {
  /** Policy module: the tools and gates a changed call must pass again. */
  policy?: string;
  /** Redis URL of the approval store the agents use. */
  redis?: string;
  /** Key prefix of that store (default `tollgate:approvals:`). */
  prefix?: string;
  /** JSON file listing who may sign in. */
  users?: string;
  /** Audit files to show. */
  audit?: string[];
  /** Where the console records decisions. */
  auditOut?: string;
  host?: string;
  port?: string;
  publicUrl?: string;
  /** URLs that get signed notifications (secret from TOLLGATE_WEBHOOK_SECRET). */
  webhook?: string[];
  pollMs?: string;
}

/**
 * `tollgate console`: starts the review console (`@tollgate/console`) over the agents' approval store (Redis with
 * `--redis`, else this process's memory) and their audit files, prints its URL, and serves until `io.signal`
 * aborts. Throws {@link CliError} (exit 2) for a bad option, users file or policy, or an unreachable Redis.
 */
export async function consoleCommand(options: ConsoleCommandOptions, io: CliIo): Promise<number> {
  const cwd = io.cwd ?? process.cwd();
  const port = options.port === undefined ? 8787 : Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new CliError(`--port must be 0–65535 (got "${options.port}")`);
  const pollMs = options.pollMs === undefined ? 1000 : Number(options.pollMs);
  if (!Number.isFinite(pollMs) || pollMs < 50)
    throw new CliError(`--poll-ms must be at least 50 (got "${options.pollMs}")`);
  const [{ startConsole, hashToken }, { AuditGate, JsonlFileSink }, { GatedToolRunner }] = await Promise.all([
    import('@tollgate/console'),
    import('@tollgate/audit'),
    import('@tollgate/core'),
  ]);

  let users: { name: string; passwordHash?: string; tokenHash?: string }[];
  if (options.users) {
    users = await readUsers(resolve(cwd, options.users));
  } else {
    // No users file: one token for whoever runs the console, printed once (as Jupyter does).
    const token = randomBytes(24).toString('base64url');
    const name = userInfo().username || 'reviewer';
    users = [{ name, tokenHash: hashToken(token) }];
    io.stderr.write(
      `No --users file: sign in as "${name}" with this one-time token (valid until the console stops):\n  ${token}\n`,
    );
  }

  const closers: (() => unknown)[] = [];
  try {
    let approvals: ApprovalStore | undefined;
    if (options.redis) {
      const [{ Redis }, { RedisApprovalStore }] = await Promise.all([
        // An optional peer: only --redis needs it, so a project without Redis does not install it.
        import('ioredis').catch(() => {
          throw new CliError('--redis needs the ioredis package: npm install ioredis');
        }),
        import('@tollgate/approvals-redis'),
      ]);
      const redis = new Redis(options.redis, {
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        commandTimeout: 2_000,
        lazyConnect: true,
      });
      closers.push(() => redis.disconnect());
      // Outages reach the reviewer through the store's answers (the page says the store did not answer).
      redis.on('error', () => {});
      await redis.connect().catch((err: unknown) => {
        throw new CliError(`Redis at ${options.redis} did not answer: ${errorText(err)}`);
      });
      approvals = new RedisApprovalStore({ redis, ...(options.prefix ? { prefix: options.prefix } : {}) });
    } else {
      io.stderr.write(
        'No --redis: approvals live in this process only, so calls made elsewhere will not appear. Point the agents and the console at one Redis.\n',
      );
    }
    const auditOut = resolve(cwd, options.auditOut ?? 'tollgate-console-audit.jsonl');
    const sink = new JsonlFileSink(auditOut);
    await sink.open().catch((err: unknown) => {
      throw new CliError(`Cannot open the console's audit file ${auditOut}: ${errorText(err)}`);
    });
    closers.push(() => sink.close());
    const audit = new AuditGate({ name: 'console-audit', sink });
    const { gates, tools } = options.policy ? await policyParts(options.policy, cwd) : { gates: [], tools: [] };
    const runner = new GatedToolRunner({ gates: [...gates, audit], tools, ...(approvals ? { approvals } : {}) });

    let notifier: import('@tollgate/webhooks').WebhookNotifier | undefined;
    if (options.webhook?.length) {
      const secret = process.env.TOLLGATE_WEBHOOK_SECRET;
      if (!secret) throw new CliError('--webhook needs the signing secret in TOLLGATE_WEBHOOK_SECRET (whsec_…)');
      const { WebhookNotifier } = await import('@tollgate/webhooks');
      try {
        notifier = new WebhookNotifier({
          endpoints: options.webhook.map((url) => ({ url, secret })),
          ...(options.publicUrl ? { consoleUrl: options.publicUrl } : {}),
          onDelivery: (r) => {
            if (!r.ok)
              io.stderr.write(
                `tollgate console: webhook ${r.type} to ${r.endpoint} failed after ${r.attempts} attempts: ${r.error}\n`,
              );
          },
        });
      } catch (err) {
        throw new CliError(errorText(err));
      }
      closers.push(() => notifier?.close());
    }
    const auditFiles = [...new Set([...(options.audit ?? []).map((f) => resolve(cwd, f)), auditOut])];
    const server = await startConsole({
      runner,
      audit,
      users,
      auditFiles,
      host: options.host ?? '127.0.0.1',
      port,
      pollMs,
      ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}),
      ...(notifier ? { notifier } : {}),
    }).catch((err: unknown) => {
      throw new CliError(`The console could not start: ${errorText(err)}`);
    });
    closers.unshift(() => server.close());
    io.stdout.write(`tollgate console listening on ${server.url}\n`);
    io.stderr.write(`Decisions are recorded in ${auditOut}. Press Ctrl-C to stop.\n`);
    await new Promise<void>((done) => {
      if (!io.signal || io.signal.aborted) return done();
      io.signal.addEventListener('abort', () => done(), { once: true });
    });
    return ExitCode.ok;
  } finally {
    for (const close of closers) await close();
  }
}

/** The gates and tools of a policy module; tools run the policy's `handlers` (or refuse, without one). */
async function policyParts(path: string, cwd: string): Promise<{ gates: Gate[]; tools: ToolDefinition[] }> {
  const loaded = await loadPolicy(path, cwd);
  if (loaded.policies.size !== 1) {
    throw new CliError(
      `Policy module ${loaded.file} routes between ${loaded.policies.size} policies; the console needs one`,
    );
  }
  const policy = [...loaded.policies.values()][0]!;
  const handlers = (policy as { handlers?: Record<string, ToolDefinition['handler']> }).handlers ?? {};
  try {
    const made: PolicyGates = await policy.gates();
    const { gates, tools: parts = {} } = Array.isArray(made)
      ? { gates: made as Gate[] }
      : (made as { gates: Gate[]; tools?: Record<string, Pick<ToolDefinition, 'use' | 'gates'>> });
    const tools = policy.tools.map((tool) => {
      const options = policy.toolOptions?.[tool.name];
      const handler: ToolDefinition['handler'] =
        handlers[tool.name] ??
        (() => {
          throw new Error(`the console's policy has no handler for ${tool.name}, so a changed call cannot run here`);
        });
      return withToolGates({ ...tool, ...(options ? { gates: options } : {}), handler }, parts[tool.name]);
    });
    return { gates: [...gates], tools };
  } catch (err) {
    throw new CliError(`Policy ${loaded.file}: ${errorText(err)}`);
  }
}

async function readUsers(file: string): Promise<{ name: string; passwordHash?: string; tokenHash?: string }[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new CliError(`Users file ${file}: ${errorText(err)}`);
  }
  const list = Array.isArray(parsed) ? parsed : (parsed as { users?: unknown })?.users;
  if (!Array.isArray(list))
    throw new CliError(`Users file ${file} must hold [{ "name", "passwordHash" | "tokenHash" }]`);
  return list as { name: string; passwordHash?: string; tokenHash?: string }[];
}

/** `tollgate console hash-password`: reads a password from stdin and prints its scrypt hash for a users file. */
export async function hashPasswordCommand(io: CliIo, input: NodeJS.ReadableStream = process.stdin): Promise<number> {
  const chunks: Buffer[] = [];
  for await (const chunk of input as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
  const password = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  const { hashPassword } = await import('@tollgate/console');
  try {
    io.stdout.write(`${await hashPassword(password)}\n`);
  } catch (err) {
    throw new CliError(errorText(err));
  }
  return ExitCode.ok;
}
