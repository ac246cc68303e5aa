import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApprovalRecord, ApprovalResponse, GatedToolRunner } from '@tollgate/core';
import { errorText } from '../io.js';

/** A request to a proxy's approval socket (one JSON line). */
export type SocketRequest =
  | { op: 'list'; limit?: number }
  | { op: 'approve' | 'deny'; id: string; by: string; comment?: string };

/** The answer (one JSON line). */
export type SocketResponse =
  | { ok: true; approvals: ApprovalRecord[] }
  | { ok: true; response: ApprovalResponse }
  | { ok: false; error: string };

const MAX_LINE = 64 * 1024;

/**
 * The directory of approval sockets: `$XDG_RUNTIME_DIR/tollgate`, else `<tmpdir>/tollgate-<uid>`, created with
 * mode 0700. @throws {Error} when it exists but belongs to someone else or others can enter it
 */
export function socketDir(): string {
  const base = process.env.XDG_RUNTIME_DIR;
  const dir = base ? join(base, 'tollgate') : join(tmpdir(), `tollgate-${process.getuid?.() ?? 'user'}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const info = lstatSync(dir);
  if (!info.isDirectory() || (process.getuid && info.uid !== process.getuid()) || (info.mode & 0o077) !== 0) {
    throw new Error(`${dir} must be a directory only you can open (mode 0700); refusing to use it for approvals`);
  }
  return dir;
}

/** The socket file names of proxies running this policy start with this. */
function policyTag(policyFile: string): string {
  return createHash('sha256').update(policyFile).digest('hex').slice(0, 16);
}

/**
 * Serves a proxy's in-memory approvals to `tollgate approvals` on a Unix socket (`<socketDir>/<policy>-<pid>.sock`):
 * list, approve and deny, each through the runner, so an approval is decided exactly as `runner.approve` decides
 * it. Only the user running the proxy can reach the socket (its directory is 0700).
 */
export async function serveApprovals(
  runner: GatedToolRunner,
  policyFile: string,
): Promise<{ path: string; close(): Promise<void> }> {
  const path = join(socketDir(), `${policyTag(policyFile)}-${process.pid}.sock`);
  rmSync(path, { force: true });
  const server: Server = createServer((socket) => {
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('error', () => undefined);
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      if (buffer.length > MAX_LINE) return socket.destroy();
      const newline = buffer.indexOf('\n');
      if (newline === -1) return;
      void answer(runner, buffer.slice(0, newline)).then((response) => socket.end(`${JSON.stringify(response)}\n`));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  server.unref();
  return {
    path,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        rmSync(path, { force: true });
      }),
  };
}

async function answer(runner: GatedToolRunner, line: string): Promise<SocketResponse> {
  try {
    const request = JSON.parse(line) as SocketRequest;
    if (request.op === 'list') return { ok: true, approvals: await runner.pendingApprovals(request.limit) };
    if (request.op === 'approve' || request.op === 'deny') {
      const decision = { by: request.by, ...(request.comment === undefined ? {} : { comment: request.comment }) };
      const response = await runner[request.op](String(request.id), decision);
      return { ok: true, response };
    }
    return { ok: false, error: 'unknown op' };
  } catch (err) {
    return { ok: false, error: errorText(err) };
  }
}

/** The sockets of running proxies for this policy; stale ones (a proxy that was killed) are removed. */
export async function proxySockets(policyFile: string): Promise<string[]> {
  const dir = socketDir();
  const tag = policyTag(policyFile);
  const found = readdirSync(dir).filter((f) => f.startsWith(`${tag}-`) && f.endsWith('.sock'));
  const live: string[] = [];
  for (const file of found) {
    const path = join(dir, file);
    if (await reachable(path)) live.push(path);
    else rmSync(path, { force: true });
  }
  return live;
}

/** Sends one request to a proxy's socket. Rejects when it does not answer within `timeoutMs`. */
export function askProxy(path: string, request: SocketRequest, timeoutMs = 10_000): Promise<SocketResponse> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    let buffer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the proxy at ${path} did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on('data', (chunk: string) => {
      buffer += chunk;
    });
    socket.on('end', () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(buffer) as SocketResponse);
      } catch (err) {
        reject(new Error(`the proxy at ${path} sent no valid answer: ${errorText(err)}`));
      }
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

function reachable(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
