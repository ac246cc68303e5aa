import {
  applyToolOutputStage,
  type Gate,
  GatedToolRunner,
  type ProvenanceView,
  type ToolOutputInfo,
} from '@tollgate/core';
import { describe, expect, it } from 'vitest';
import { echoTool } from './helpers.js';

/** A view that answers one fixed occurrence for every query, and counts the queries. */
function fixedView(): ProvenanceView & { queries: unknown[] } {
  const queries: unknown[] = [];
  return {
    queries,
    size: 1,
    find(value, kind) {
      queries.push([value, kind]);
      return [{ source: { origin: 'user' }, entry: 0, whole: false, match: 'exact', excerpt: String(value) }];
    },
  };
}

/** A rule-stage gate that asks for approval unless the recipient occurs in the run's provenance. */
const asksWithoutProvenance: Gate = {
  name: 'origin',
  stage: 'rule',
  check: (ctx) =>
    ctx.provenance && ctx.provenance.find(ctx.args.to, 'string').length > 0
      ? { outcome: 'allow', reason: 'ok' }
      : { outcome: 'require_approval', reason: 'unseen_recipient', message: 'Who is this?' },
};

describe('provenance in the call context', () => {
  it('hands the caller’s provenance to every gate, and none when the caller gives none', async () => {
    const runner = new GatedToolRunner({ gates: [asksWithoutProvenance], tools: [echoTool().tool] });
    const view = fixedView();
    const withIt = await runner.call('pay', { amount: 1, to: 'alice' }, { provenance: view });
    expect(withIt.status).toBe('executed');
    expect(view.queries).toEqual([['alice', 'string']]);
    const without = await runner.call('pay', { amount: 1, to: 'alice' });
    expect(without.status).toBe('approval_required');
  });

  it('keeps provenance out of the stored approval, and takes it again on resume for the gates that re-run', async () => {
    const asker: Gate = {
      name: 'asker',
      stage: 'decision',
      check: () => ({ outcome: 'require_approval', reason: 'ask' }),
    };
    const runner = new GatedToolRunner({ gates: [asksWithoutProvenance, asker], tools: [echoTool().tool] });
    const first = await runner.call('pay', { amount: 1, to: 'alice' }, { provenance: fixedView() });
    const second = await runner.call('pay', { amount: 2, to: 'alice' }, { provenance: fixedView() });
    expect(first.approval?.gates).toEqual(['asker']);
    const stored = await runner.getApproval(first.approval!.id);
    expect(JSON.stringify(stored)).not.toContain('provenance');
    await runner.approve(first.approval!.id, { by: 'ops' });
    await runner.approve(second.approval!.id, { by: 'ops' });
    // `origin` re-runs on resume: with the run's provenance it allows, without it it asks again.
    expect((await runner.resume(first.approval!.id, { provenance: fixedView() })).status).toBe('executed');
    expect((await runner.resume(second.approval!.id)).status).toBe('approval_required');
  });

  it('a resume without provenance leaves gates that re-run without it', async () => {
    let seen: ProvenanceView | undefined | 'unset' = 'unset';
    const asker: Gate = {
      name: 'asker',
      stage: 'rule',
      check: () => ({ outcome: 'require_approval', reason: 'ask' }),
    };
    const watcher: Gate = {
      name: 'watcher',
      stage: 'decision',
      check: (ctx) => {
        seen = ctx.provenance;
        return { outcome: 'allow', reason: 'ok' };
      },
    };
    const runner = new GatedToolRunner({ gates: [asker, watcher], tools: [echoTool().tool] });
    const paused = await runner.call('pay', { amount: 1, to: 'bob' }, { provenance: fixedView() });
    await runner.approve(paused.approval!.id, { by: 'ops' });
    seen = 'unset';
    await runner.resume(paused.approval!.id);
    expect(seen).toBeUndefined();
  });
});

describe('applyToolOutputStage', () => {
  const info: ToolOutputInfo = { tool: 'read_file', callId: 'call_1', status: 'executed' };

  it('runs the transforms in order, each on the previous one’s text', async () => {
    const out = await applyToolOutputStage('abc', info, [(t) => `${t}1`, async (t, i) => `${t}:${i.tool}`]);
    expect(out).toBe('abc1:read_file');
  });

  it('withholds the output, fail-closed, when a transform throws, rejects or returns no string', async () => {
    const failures = [
      () => {
        throw new Error('detector down');
      },
      () => Promise.reject(new Error('timeout')),
      () => 42 as unknown as string,
    ];
    for (const bad of failures) {
      const out = JSON.parse(await applyToolOutputStage('IBAN US13…', info, [(t) => t, bad]));
      expect(out).toMatchObject({ status: 'withheld', reason: 'tool_output_transform_failed' });
      expect(out.message).toContain('read_file');
      expect(JSON.stringify(out)).not.toContain('US13');
    }
  });
});
