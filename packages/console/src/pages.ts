import type { AuditRecord } from '@tollgate/audit';
import type { ApprovalRecord } from '@tollgate/core';
import { html, type SafeHtml } from './html.js';
import { jsonView } from './json-view.js';
import type { Session } from './sessions.js';
import type { TrailFile } from './trail.js';

/** What every page's frame needs. */
export interface Frame {
  title: string;
  session?: Session;
  /** The nav entry to mark as current. */
  current?: 'pending' | 'history' | 'calls';
}

/** The page frame: header, navigation, the session's flash message, the content. */
export function page(frame: Frame, body: SafeHtml): string {
  const { session } = frame;
  const nav = session
    ? html`<nav aria-label="Console"><ul>
        <li><a href="/"${frame.current === 'pending' ? html` aria-current="page"` : ''}>Pending</a></li>
        <li><a href="/history"${frame.current === 'history' ? html` aria-current="page"` : ''}>History</a></li>
        <li><a href="/calls"${frame.current === 'calls' ? html` aria-current="page"` : ''}>Find a call</a></li>
      </ul>
      <form method="post" action="/logout" class="inline">${csrfField(session)}
        <span>Signed in as <strong>${session.user}</strong></span> <button type="submit" class="link">Sign out</button>
      </form></nav>`
    : '';
  const flash = session?.flash;
  if (session) session.flash = undefined;
  const message = flash
    ? html`<div class="flash ${flash.kind}" role="${flash.kind === 'error' ? 'alert' : 'status'}"><p>${flash.text}</p>${flash.detail ? html`<p class="detail">${flash.detail}</p>` : ''}</div>`
    : '';
  return `<!doctype html>${html`<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${frame.title} · tollgate console</title>
<link rel="stylesheet" href="/assets/console.css"><script src="/assets/console.js" defer></script></head>
<body><a class="skip" href="#main">Skip to content</a>
<header><p class="brand">tollgate console</p>${nav}</header>
<main id="main" tabindex="-1">${message}${body}</main></body></html>`}`;
}

export function csrfField(session: Session): SafeHtml {
  return html`<input type="hidden" name="csrf" value="${session.csrf}">`;
}

export function loginPage(csrf: string, error?: string): string {
  return page(
    { title: 'Sign in' },
    html`<h1>Sign in</h1>
    ${error ? html`<div class="flash error" role="alert"><p>${error}</p></div>` : ''}
    <form method="post" action="/login" class="stack">
      <input type="hidden" name="csrf" value="${csrf}">
      <label for="user">User name</label><input id="user" name="user" autocomplete="username" required autofocus>
      <label for="secret">Password or access token</label>
      <input id="secret" name="secret" type="password" autocomplete="current-password" required>
      <button type="submit">Sign in</button>
    </form>`,
  );
}

const pad = (n: number) => String(n).padStart(2, '0');

/** "3 min 05 s", for ages and time left. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${pad(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${pad(m % 60)} min`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** The gates' evidence: rule ids, BIGHUB risk and reason, provenance, then the raw data folded. */
function evidence(record: ApprovalRecord): SafeHtml {
  const rows = record.gates.map((gate) => {
    const data = (record.data[gate] ?? {}) as Record<string, unknown>;
    const facts: [string, unknown][] = [];
    if (data.decidedBy !== undefined) facts.push(['Rule', data.decidedBy]);
    const matched = Array.isArray(data.matched)
      ? data.matched.map((m) => (m as { id?: unknown }).id).filter(Boolean)
      : [];
    if (matched.length > 1) facts.push(['Rules matched', matched.join(', ')]);
    for (const key of ['risk_score', 'riskScore', 'risk']) if (data[key] !== undefined) facts.push(['Risk', data[key]]);
    for (const key of ['recommendation', 'reason', 'request_id'])
      if (data[key] !== undefined) facts.push([key.replace('_', ' '), data[key]]);
    if (data.provenance !== undefined) facts.push(['Provenance', data.provenance]);
    const show = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : JSON.stringify(v));
    return html`<div class="evidence"><h4>Asked by <code>${gate}</code></h4>
      ${facts.length ? html`<dl class="facts">${facts.map(([k, v]) => html`<dt>${k}</dt><dd>${show(v)}</dd>`)}</dl>` : ''}
      ${provenance(data.values)}
      ${Object.keys(data).length ? html`<details><summary>All of ${gate}'s data</summary>${jsonView(data)}</details>` : ''}</div>`;
  });
  return html`${rows}`;
}

/** A value's source, as the provenance gate found it (`ProvenanceEvidence`). */
interface Source {
  origin?: string;
  tool?: string;
  callId?: string;
  field?: string;
  excerpt?: string;
}

function source(e: Source): SafeHtml {
  const where = e.tool
    ? html`the output of <code>${e.tool}</code>${e.callId ? html` (call <code>${e.callId}</code>)` : ''}${e.field ? html`, field <code>${e.field}</code>` : ''}`
    : html`${e.origin ?? 'an unknown source'}`;
  return html`${where}${e.excerpt ? html`: <q class="excerpt">${e.excerpt}</q>` : ''}`;
}

/** The provenance gate's checked values (`data.values`): where each argument came from, with the text around it. */
function provenance(values: unknown): SafeHtml | string {
  if (!Array.isArray(values)) return '';
  const checked = values.filter(
    (v): v is Record<string, unknown> => typeof v === 'object' && v !== null && 'verdict' in v,
  );
  if (checked.length === 0) return '';
  const items = checked.map((v) => {
    const evidence = Array.isArray(v.evidence) ? (v.evidence as Source[]) : [];
    const by = v.by as Source | undefined;
    return html`<li><strong>${String(v.label ?? v.path ?? 'value')}</strong> <code>${String(v.value ?? '')}</code>: <span class="verdict-${String(v.verdict)}">${String(v.verdict)}</span>
      ${by ? html`, supplied by ${source(by)}` : ''}
      ${evidence.length ? html`<ul>${evidence.map((e) => html`<li>found in ${source(e)}</li>`)}</ul>` : ''}
      ${typeof v.occurrences === 'number' && v.occurrences > evidence.length ? html`<span class="note">(${v.occurrences} occurrences in all)</span>` : ''}</li>`;
  });
  return html`<p><strong>Provenance</strong> (where the arguments came from):</p><ul class="provenance">${items}</ul>`;
}

function quorumLine(record: ApprovalRecord): SafeHtml | string {
  const q = record.quorum;
  if (!q) return '';
  const got = record.approvals ?? [];
  return html`<dt>Approvals</dt><dd>${got.length} of ${q.required}${got.length ? html` (${got.map((a) => a.by).join(', ')})` : ''}${q.approvers ? html`; approvers: ${q.approvers.join(', ')}` : ''}; never the caller</dd>`;
}

/** Who, what, when: the facts of one approval. */
function facts(record: ApprovalRecord, now: number): SafeHtml {
  const ctx = record.context;
  const left = record.expiresAt - now;
  return html`<dl class="facts">
    <dt>Reason</dt><dd><code>${record.reason}</code></dd>
    <dt>Actor</dt><dd>${ctx.actor ?? '—'}</dd>
    <dt>Tenant</dt><dd>${ctx.tenant ?? '—'}</dd>
    <dt>Session</dt><dd>${ctx.session ?? '—'}</dd>
    <dt>Asked</dt><dd><time datetime="${iso(record.createdAt)}" data-age="${record.createdAt}">${duration(now - record.createdAt)} ago</time></dd>
    ${record.status === 'pending' ? html`<dt>Time left</dt><dd><time datetime="${iso(record.expiresAt)}" data-expires="${record.expiresAt}">${left > 0 ? duration(left) : 'expired'}</time></dd>` : ''}
    ${quorumLine(record)}
    <dt>Call</dt><dd><a href="/calls?id=${record.callId}"><code>${record.callId}</code></a>${ctx.traceId ? html` in trace <a href="/calls?id=${ctx.traceId}"><code>${ctx.traceId}</code></a>` : ''}</dd>
    ${record.bind?.changedFrom ? html`<dt>Changed</dt><dd>by ${String(record.bind.changedBy)} from <a href="/approvals/${String(record.bind.changedFrom)}"><code>${String(record.bind.changedFrom)}</code></a></dd>` : ''}
  </dl>`;
}

/** The pending list (also served alone, for live updates). */
export function pendingList(records: readonly ApprovalRecord[], now: number, error?: string): SafeHtml {
  const items = records.map(
    (r) => html`<li class="approval" id="${r.id}">
      <h2><a href="/approvals/${r.id}"><code>${r.tool}</code></a> <span class="badge">${r.reason}</span></h2>
      ${r.message ? html`<p class="message">${r.message}</p>` : ''}
      ${facts(r, now)}
      ${evidence(r)}
      <h3>Arguments</h3>${jsonView(r.args)}
      <p><a class="button" href="/approvals/${r.id}">Review and decide</a></p>
    </li>`,
  );
  return html`<section id="pending" aria-live="polite" aria-busy="false" data-count="${records.length}">
    ${error ? html`<div class="flash error" role="alert"><p>The approval store did not answer: ${error}</p></div>` : ''}
    <p class="count">${records.length === 0 ? 'Nothing waits for a decision.' : `${records.length} waiting, newest first.`}</p>
    <ol class="approvals">${items}</ol></section>`;
}

export function pendingPage(session: Session, list: SafeHtml): string {
  return page(
    { title: 'Pending approvals', session, current: 'pending' },
    html`<h1>Pending approvals</h1><p class="hint">Each call waits, unrun, until enough people approve it or someone denies it. This list updates by itself.</p>${list}`,
  );
}

/** One approval: everything about it, and the decision forms while it is pending. */
export function approvalPage(
  session: Session,
  record: ApprovalRecord,
  now: number,
  notes: { canChange: boolean; changeText?: string; changeComment?: string; canRun: boolean },
): string {
  const status = record.status;
  const decided = record.decision
    ? html`<p class="decision ${record.decision.status}"><strong>${record.decision.status === 'approved' ? 'Approved' : 'Denied'}</strong> by ${record.decision.by}, ${iso(record.decision.at)}${record.decision.comment ? html`: “${record.decision.comment}”` : ''}</p>`
    : '';
  const forms =
    status === 'pending'
      ? html`<section aria-labelledby="decide"><h2 id="decide">Decide</h2>
        <form method="post" action="/approvals/${record.id}/decide" class="stack">${csrfField(session)}
          <label for="comment">Comment (recorded with your name in the audit trail)</label>
          <textarea id="comment" name="comment" rows="3"></textarea>
          <div class="actions"><button type="submit" name="action" value="approve" class="approve">Approve</button>
          <button type="submit" name="action" value="deny" class="deny">Deny</button></div>
        </form></section>
        ${
          notes.canChange
            ? html`<section aria-labelledby="change"><h2 id="change">Approve with changes</h2>
          <p class="hint">Denies this call and makes a new one with your arguments. The new call is checked by every gate again: it may run, be blocked, or wait for approval by someone else.</p>
          <form method="post" action="/approvals/${record.id}/change" class="stack">${csrfField(session)}
            <label for="args">Arguments (JSON)</label>
            <textarea id="args" name="args" rows="10" spellcheck="false">${notes.changeText ?? JSON.stringify(record.args, null, 2)}</textarea>
            <label for="change-comment">Why (recorded in the audit trail)</label>
            <textarea id="change-comment" name="comment" rows="2">${notes.changeComment ?? ''}</textarea>
            <div class="actions"><button type="submit">Make the changed call</button></div>
          </form></section>`
            : ''
        }`
      : html`<p class="status-line">This approval is <strong>${status}</strong>${status === 'expired' ? ': nobody decided in time, which counts as denied. It can no longer be approved.' : status === 'consumed' ? ': the call ran under it.' : '.'}</p>
        ${
          notes.canRun
            ? html`<form method="post" action="/approvals/${record.id}/run">${csrfField(session)}<p>This changed call was made by the console and is approved but has not run. <button type="submit">Run it now</button></p></form>`
            : ''
        }`;
  return page(
    { title: `Approval ${record.tool}`, session, current: 'pending' },
    html`<p><a href="/">← Pending approvals</a></p>
    <h1><code>${record.tool}</code> <span class="badge status-${status}">${status}</span></h1>
    <p class="id">Approval <code>${record.id}</code></p>
    ${record.message ? html`<p class="message">${record.message}</p>` : ''}
    ${decided}
    ${facts(record, now)}
    <h2>Arguments</h2>${jsonView(record.args)}
    <h2>Evidence</h2>${evidence(record)}
    ${forms}`,
  );
}

function recordRow(record: AuditRecord): SafeHtml {
  const approvedBy = record.decisions?.find((d) => d.reason === 'approved')?.data as { by?: string } | undefined;
  const what =
    record.kind === 'approval'
      ? html`<strong>${record.approval?.said}</strong> by ${record.approval?.by}${record.approval?.comment ? html`: “${record.approval.comment}”` : ''}${record.approval?.required ? html` (${record.approval.approvals?.length ?? 0} of ${record.approval.required})` : ''}`
      : record.kind === 'intent'
        ? 'about to run'
        : html`<strong>${record.status}</strong> <code>${record.reason}</code>${record.blockedBy ? html` by ${record.blockedBy}` : ''}${approvedBy?.by ? html`; approved by ${approvedBy.by}` : ''}`;
  return html`<tr><td>${record.seq}</td><td><time datetime="${record.ts}">${record.ts.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}</time></td><td>${record.kind}</td>
    <td><code>${record.tool}</code></td><td>${what}</td>
    <td>${record.approvalId ? html`<a href="/approvals/${record.approvalId}"><code>${record.approvalId}</code></a>` : record.resumedFrom ? html`from <a href="/approvals/${record.resumedFrom}"><code>${record.resumedFrom}</code></a>` : ''}</td>
    <td><a href="/calls?id=${record.callId}"><code>${record.callId}</code></a>${record.actor ? html` by ${record.actor}` : ''}<details><summary>arguments</summary>${jsonView(record.args)}</details></td></tr>`;
}

function verifyLine(file: TrailFile): SafeHtml {
  if (!file.verify) return html`<span class="bad">cannot be read: ${file.error ?? 'unknown error'}</span>`;
  if (file.verify.ok) return html`<span class="good">chain verified: ${file.verify.records} records intact</span>`;
  const bad = file.verify.firstBad!;
  return html`<span class="bad">chain broken at line ${bad.line} (${bad.kind}): ${bad.message}; ${file.verify.records} records before it verify</span>`;
}

export function callsPage(
  session: Session,
  query: string,
  found: { file: TrailFile; record: AuditRecord }[],
  files: TrailFile[],
  approval?: ApprovalRecord,
): string {
  const byFile = files.map((file) => {
    const rows = found.filter((f) => f.file.path === file.path).map((f) => recordRow(f.record));
    return html`<section><h2 class="file"><code>${file.path}</code></h2><p>${verifyLine(file)}</p>
      ${query ? (rows.length ? html`<table><caption>Records for <code>${query}</code></caption><thead><tr><th scope="col">seq</th><th scope="col">time</th><th scope="col">kind</th><th scope="col">tool</th><th scope="col">what</th><th scope="col">approval</th><th scope="col">call</th></tr></thead><tbody>${rows}</tbody></table>` : html`<p>No records for <code>${query}</code> in this file.</p>`) : ''}</section>`;
  });
  return page(
    { title: query ? `Audit trail of ${query}` : 'Find a call', session, current: 'calls' },
    html`<h1>Audit trail</h1>
    <form method="get" action="/calls" class="search"><label for="id">Call id, trace id or approval id</label>
      <input id="id" name="id" value="${query}" required> <button type="submit">Show</button></form>
    ${approval ? html`<p>Approval <a href="/approvals/${approval.id}"><code>${approval.id}</code></a> is <strong>${approval.status}</strong>.</p>` : ''}
    ${files.length ? byFile : html`<p>No audit files are configured (start the console with <code>--audit</code>).</p>`}`,
  );
}

export function historyPage(
  session: Session,
  decisions: { file: TrailFile; record: AuditRecord }[],
  files: TrailFile[],
): string {
  const rows = decisions.map(({ record }) => {
    const a = record.approval;
    return html`<tr><td><time datetime="${record.ts}">${record.ts.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}</time></td>
      <td><code>${record.tool}</code></td><td><span class="badge said-${a?.said}">${a?.said}</span>${a?.status === 'pending' ? html` (${a.approvals?.length ?? 0} of ${a.required})` : ''}</td>
      <td>${a?.by}</td><td>${a?.comment ?? ''}</td><td>${record.actor ?? ''}</td>
      <td><a href="/approvals/${record.approvalId}"><code>${record.approvalId}</code></a></td>
      <td><a href="/calls?id=${record.callId}">audit trail</a></td></tr>`;
  });
  return page(
    { title: 'History', session, current: 'history' },
    html`<h1>Decided approvals</h1>
    <p>${files.map((f) => html`<code>${f.path}</code>: ${verifyLine(f)}. `)}</p>
    ${rows.length ? html`<table><caption>Every decision in the audit trail, newest first</caption><thead><tr><th scope="col">time</th><th scope="col">tool</th><th scope="col">decision</th><th scope="col">by</th><th scope="col">comment</th><th scope="col">actor</th><th scope="col">approval</th><th scope="col">call</th></tr></thead><tbody>${rows}</tbody></table>` : html`<p>No decisions recorded yet.</p>`}`,
  );
}

export function notFoundPage(session: Session | undefined, what: string): string {
  return page(
    { title: 'Not found', session },
    html`<h1>Not found</h1><p>${what}</p><p><a href="/">Pending approvals</a></p>`,
  );
}
