import { defineToolInputGuardrail, ToolGuardrailFunctionOutputFactory as Out, RunContext } from '@openai/agents';
import { GatedToolRunner } from '@tollgate/core';
import { afterEach, describe, expect, it } from 'vitest';
import { ToolGuardrailGate } from '../src/index.js';
import { approvalGate, type Harness, harness, outputs } from './fixtures.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.model.close();
  h = undefined;
});

const seen: { user: unknown; tool: string; args: unknown }[] = [];
/** No money to mallory; a tripwire on the word "all". */
const payees = defineToolInputGuardrail<{ user: string }>({
  name: 'payees',
  run: async ({ context, toolCall }) => {
    const args = JSON.parse(toolCall.arguments) as { to?: string };
    seen.push({ user: context.context?.user, tool: toolCall.name, args });
    if (args.to === 'mallory')
      return Out.rejectContent('Mallory is not a payee this user may pay.', { payee: 'mallory' });
    if (args.to === 'all') return Out.throwException({ flagged: true });
    return Out.allow();
  },
});

describe('SDK tool input guardrails as a tollgate gate', () => {
  it('blocks with the guardrail’s message, trips without ending the run, and sees the SDK run context', async () => {
    seen.length = 0;
    const gate = new ToolGuardrailGate({ guardrails: [payees as never] });
    h = await harness(
      {
        turns: [
          {
            toolCalls: [
              { callId: 'call_m', name: 'send_money', arguments: { to: 'mallory', amount: 5 } },
              { callId: 'call_a', name: 'send_money', arguments: { to: 'all', amount: 5 } },
              { callId: 'call_b', name: 'send_money', arguments: { to: 'bob', amount: 5 } },
            ],
          },
          { text: 'Done.' },
        ],
      },
      { gates: [gate, approvalGate] },
    );
    const decisions: string[] = [];
    h.runner.onDecision((e) => {
      if (e.type === 'result' && !e.result.dryRun) decisions.push(`${e.result.callId}:${e.result.reason}`);
    });
    const result = await h.sdk.run(h.agent, 'Pay them.', { context: { user: 'u42' } });
    expect(result.finalOutput).toBe('Done.');
    const sent = outputs(h.model.requests, 1);
    expect(sent.call_m).toEqual({
      status: 'blocked',
      reason: 'guardrail_rejected',
      message: 'Mallory is not a payee this user may pay.',
    });
    expect(sent.call_a).toMatchObject({ status: 'blocked', reason: 'guardrail_tripwire' });
    expect(sent.call_b).toBe('sent 5 to bob');
    expect(h.probe.runs.map((r) => r.args)).toEqual([{ to: 'bob', amount: 5 }]);
    expect(decisions.sort()).toEqual(['call_a:guardrail_tripwire', 'call_b:executed', 'call_m:guardrail_rejected']);
    expect(seen.every((s) => s.user === 'u42' && s.tool === 'send_money')).toBe(true);
  });

  it('keeps the guardrail’s name and outputInfo on the decision, and works for calls made outside the SDK', async () => {
    const runner = new GatedToolRunner({
      gates: [new ToolGuardrailGate({ guardrails: [payees as never], name: 'sdk-guardrails' })],
      tools: [
        {
          name: 'send_money',
          parameters: { type: 'object', properties: { to: { type: 'string' } }, required: ['to'] },
          handler: () => 'sent',
        },
      ],
    });
    const result = await runner.call('send_money', { to: 'mallory' }, { callId: 'c1' });
    expect(result.status).toBe('blocked');
    expect(result.blockedBy).toBe('sdk-guardrails');
    expect(result.decisions.find((d) => d.gate === 'sdk-guardrails')).toMatchObject({
      gate: 'sdk-guardrails',
      reason: 'guardrail_rejected',
      data: { guardrail: 'payees', outputInfo: { payee: 'mallory' } },
    });
    expect((await runner.call('send_money', { to: 'bob' })).status).toBe('executed');
  });

  it('a guardrail that throws or answers nonsense blocks the call with gate_error (fail-closed)', async () => {
    const broken = defineToolInputGuardrail({
      name: 'broken',
      run: async () => {
        throw new Error('moderation API down');
      },
    });
    const silly = { type: 'tool_input' as const, name: 'silly', run: async () => ({}) as never };
    for (const guardrail of [broken, silly]) {
      const runner = new GatedToolRunner({
        gates: [new ToolGuardrailGate({ guardrails: [guardrail] })],
        tools: [{ name: 't', parameters: { type: 'object' }, handler: () => 'ran' }],
      });
      const result = await runner.call('t', {});
      expect(result).toMatchObject({ status: 'blocked', reason: 'gate_error', blockedBy: 'guardrails' });
    }
    expect(() => new ToolGuardrailGate({ guardrails: [{ name: 'x' } as never] })).toThrow(TypeError);
    expect(new RunContext()).toBeDefined();
  });
});
