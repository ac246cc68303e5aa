import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { type Gate, GatedToolRunner, type ToolDefinition } from '@tollgate/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { modelTurn, startModelTurn, ToolTracing, type ToolTracingOptions } from '../src/index.js';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer = provider.getTracer('test');
const contextManager = new AsyncLocalStorageContextManager();

beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable());
  trace.setGlobalTracerProvider(provider);
});
afterAll(() => {
  context.disable();
  trace.disable();
});
beforeEach(() => exporter.reset());

/** Blocks payments to mallory, asks a human above 1,000. */
const policy: Gate = {
  name: 'policy',
  stage: 'rule',
  check: (ctx) => {
    if (ctx.args.to === 'mallory') return { outcome: 'block', reason: 'payee_blocked', message: 'Not to mallory.' };
    if ((ctx.args.amount as number) > 1000) {
      return { outcome: 'require_approval', reason: 'large_payment', message: 'Above 1,000 needs a human.' };
    }
    return { outcome: 'allow', reason: 'ok' };
  },
};

const pay: ToolDefinition = {
  name: 'pay',
  description: 'Sends money.',
  parameters: {
    type: 'object',
    properties: { amount: { type: 'number' }, to: { type: 'string' }, password: { type: 'string' } },
    required: ['amount', 'to'],
  },
  handler: (args: { amount: number; to: string }) => {
    // A span of the handler's own, to see where it nests.
    trace.getTracer('bank').startActiveSpan('bank.transfer', (span) => span.end());
    return { paid: args.amount, to: args.to };
  },
};

const fail: ToolDefinition = {
  name: 'fail',
  parameters: { type: 'object', properties: { why: { type: 'string' } }, required: ['why'] },
  handler: (args: { why: string }) => {
    throw new RangeError(args.why);
  },
};

function traced(options: ToolTracingOptions = {}, gates: Gate[] = [policy]) {
  const tracing = new ToolTracing({ tracer, ...options });
  const runner = new GatedToolRunner({ gates, tools: [tracing.wrapTool(pay), tracing.wrapTool(fail)] });
  tracing.instrument(runner);
  return { runner, tracing };
}

function toolSpans(): ReadableSpan[] {
  return exporter.getFinishedSpans().filter((s) => s.attributes['gen_ai.operation.name'] === 'execute_tool');
}

function only(name: string): ReadableSpan {
  const spans = exporter.getFinishedSpans().filter((s) => s.name === name);
  expect(spans).toHaveLength(1);
  return spans[0]!;
}

function decisions(span: ReadableSpan) {
  return span.events.filter((e) => e.name === 'tollgate.decision').map((e) => e.attributes);
}

describe('ToolTracing with the OpenTelemetry SDK', () => {
  it('an executed call: one execute_tool span with the GenAI attributes and one event per decision', async () => {
    const { runner } = traced();
    const result = await runner.call('pay', { amount: 10, to: 'bob', password: 'hunter2' }, { callId: 'call_1' });
    expect(result.status).toBe('executed');
    const span = only('execute_tool pay');
    expect(span.kind).toBe(SpanKind.INTERNAL);
    expect(span.attributes).toMatchObject({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'pay',
      'gen_ai.tool.call.id': 'call_1',
      'gen_ai.tool.type': 'function',
      'gen_ai.tool.description': 'Sends money.',
      'tollgate.status': 'executed',
      'tollgate.reason': 'executed',
      'tollgate.trace_id': result.traceId,
      'tollgate.message': 'Executed.',
    });
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(decisions(span)).toEqual([
      {
        'tollgate.gate': 'validation',
        'tollgate.stage': 'validation',
        'tollgate.outcome': 'allow',
        'tollgate.reason': 'ok',
        'tollgate.enforced': true,
      },
      {
        'tollgate.gate': 'policy',
        'tollgate.stage': 'rule',
        'tollgate.outcome': 'allow',
        'tollgate.reason': 'ok',
        'tollgate.enforced': true,
      },
    ]);
    // No argument value and no result anywhere in the span by default.
    const text = JSON.stringify([span.attributes, span.events]);
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('bob');
    expect(span.attributes['gen_ai.tool.call.arguments']).toBeUndefined();
    // The handler's own span is the tool span's child (wrapTool).
    const bank = only('bank.transfer');
    expect(bank.parentSpanContext?.spanId).toBe(span.spanContext().spanId);
    expect(bank.spanContext().traceId).toBe(span.spanContext().traceId);
  });

  it('a blocked call: status, reason and blocked_by, the blocking decision as an event, and no error', async () => {
    const { runner } = traced();
    await runner.call('pay', { amount: 10, to: 'mallory' }, { callId: 'call_2' });
    const span = only('execute_tool pay');
    expect(span.attributes).toMatchObject({
      'tollgate.status': 'blocked',
      'tollgate.reason': 'payee_blocked',
      'tollgate.blocked_by': 'policy',
      'tollgate.message': 'Not to mallory.',
    });
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(decisions(span).at(-1)).toMatchObject({
      'tollgate.gate': 'policy',
      'tollgate.outcome': 'block',
      'tollgate.reason': 'payee_blocked',
      'tollgate.message': 'Not to mallory.',
    });
    expect(exporter.getFinishedSpans().map((s) => s.name)).not.toContain('bank.transfer');
  });

  it('an approval: the paused call, the human decision and the resumed call, tied by the approval id', async () => {
    const { runner } = traced({ caller: { actor: true } });
    const paused = await runner.call('pay', { amount: 5000, to: 'bob' }, { callId: 'call_3', actor: 'emma' });
    expect(paused.status).toBe('approval_required');
    const id = paused.approval!.id;
    const first = only('execute_tool pay');
    expect(first.attributes).toMatchObject({
      'tollgate.status': 'approval_required',
      'tollgate.reason': 'large_payment',
      'tollgate.approval.id': id,
      'tollgate.actor': 'emma',
    });
    expect(decisions(first).at(-1)).toMatchObject({ 'tollgate.outcome': 'require_approval' });
    const asked = first.events.find((e) => e.name === 'tollgate.approval');
    expect(asked?.attributes).toMatchObject({ 'tollgate.approval.id': id, 'tollgate.approval.status': 'pending' });

    expect((await runner.approve(id, { by: 'olga' })).ok).toBe(true);
    const decided = only('tollgate.approval pay');
    expect(decided.attributes).toMatchObject({
      'gen_ai.tool.call.id': 'call_3',
      'tollgate.approval.id': id,
      'tollgate.approval.status': 'approved',
      'tollgate.approval.by': 'olga',
      'tollgate.trace_id': paused.traceId,
    });

    exporter.reset();
    const resumed = await runner.resume(id);
    expect(resumed.status).toBe('executed');
    const second = only('execute_tool pay');
    expect(second.attributes).toMatchObject({
      'gen_ai.tool.call.id': 'call_3',
      'tollgate.status': 'executed',
      'tollgate.approval.id': id,
      'tollgate.resumed_from': id,
    });
  });

  it('a tool_error: span status ERROR, error.type, and the exception recorded', async () => {
    const { runner } = traced();
    await runner.call('fail', { why: 'ledger offline' }, { callId: 'call_4' });
    const span = only('execute_tool fail');
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'RangeError: ledger offline' });
    expect(span.attributes).toMatchObject({
      'tollgate.status': 'tool_error',
      'tollgate.reason': 'tool_error',
      'error.type': 'RangeError',
    });
    const exception = span.events.find((e) => e.name === 'exception');
    expect(exception?.attributes).toMatchObject({
      'exception.type': 'RangeError',
      'exception.message': 'ledger offline',
    });
  });

  it('a gate that fails is an ERROR too; a policy block is not', async () => {
    const broken: Gate = {
      name: 'broken',
      stage: 'rate',
      check: () => {
        throw new Error('redis down');
      },
    };
    const { runner } = traced({}, [broken]);
    await runner.call('pay', { amount: 1, to: 'bob' });
    const span = only('execute_tool pay');
    expect(span.attributes).toMatchObject({ 'tollgate.reason': 'gate_error', 'error.type': 'gate_error' });
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(decisions(span).at(-1)?.['tollgate.gate.error']).toBe('Error: redis down');
  });

  it('arguments and results only when asked, redacted as the audit redacts them', async () => {
    const { runner } = traced({ captureArguments: true, captureResults: true });
    await runner.call('pay', { amount: 10, to: 'bob', password: 'hunter2' });
    const span = only('execute_tool pay');
    expect(JSON.parse(span.attributes['gen_ai.tool.call.arguments'] as string)).toEqual({
      amount: 10,
      password: '[REDACTED]',
      to: 'bob',
    });
    expect(JSON.parse(span.attributes['gen_ai.tool.call.result'] as string)).toEqual({ paid: 10, to: 'bob' });
    expect(JSON.stringify(span.attributes)).not.toContain('hunter2');
  });

  it('an unknown tool and a dry run get their span too', async () => {
    const { runner } = traced();
    await runner.call('wire', {});
    expect(only('execute_tool wire').attributes).toMatchObject({
      'tollgate.status': 'blocked',
      'tollgate.blocked_by': 'registry',
      'tollgate.reason': 'unknown_tool',
    });
    exporter.reset();
    await runner.check('pay', { amount: 1, to: 'bob' });
    expect(only('execute_tool pay').attributes).toMatchObject({
      'tollgate.status': 'allowed',
      'tollgate.dry_run': true,
    });
  });

  it('tool spans of a model turn are its children; concurrent calls get a span each', async () => {
    const { runner } = traced();
    await modelTurn({ tracer, provider: 'openai', model: 'gpt-5-mini' }, async (turn) => {
      await Promise.all(Array.from({ length: 20 }, (_, i) => runner.call('pay', { amount: i, to: 'bob' })));
      turn.response({ id: 'resp_1', finishReasons: ['tool_calls'], inputTokens: 120, outputTokens: 30 });
    });
    const chat = only('chat gpt-5-mini');
    expect(chat.kind).toBe(SpanKind.CLIENT);
    expect(chat.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-5-mini',
      'gen_ai.response.id': 'resp_1',
      'gen_ai.response.finish_reasons': ['tool_calls'],
      'gen_ai.usage.input_tokens': 120,
      'gen_ai.usage.output_tokens': 30,
    });
    const tools = toolSpans();
    expect(tools).toHaveLength(20);
    expect(new Set(tools.map((s) => s.attributes['gen_ai.tool.call.id'])).size).toBe(20);
    for (const span of tools) expect(span.parentSpanContext?.spanId).toBe(chat.spanContext().spanId);
    expect(exporter.getFinishedSpans().filter((s) => s.name === 'bank.transfer')).toHaveLength(20);
  });

  it('a failed model turn records its error; startModelTurn serves loops that cannot be wrapped', async () => {
    await expect(
      modelTurn({ tracer, model: 'm' }, () => {
        throw new TypeError('bad request');
      }),
    ).rejects.toThrow('bad request');
    const span = only('chat m');
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes['error.type']).toBe('TypeError');

    const { runner } = traced();
    const turn = startModelTurn({ model: 'n' }); // the global provider's tracer
    await turn.within(() => runner.call('pay', { amount: 1, to: 'bob' }));
    turn.end();
    turn.end();
    const chat = only('chat n');
    expect(toolSpans()[0]!.parentSpanContext?.spanId).toBe(chat.spanContext().spanId);
  });

  it('records the caller of an unknown tool too, and keeps no span open when used as a gate alone', async () => {
    const { runner } = traced({ caller: true });
    await runner.call('wire', {}, { actor: 'emma', tenant: 'acme', session: 's1' });
    expect(only('execute_tool wire').attributes).toMatchObject({
      'tollgate.actor': 'emma',
      'tollgate.tenant': 'acme',
      'tollgate.session': 's1',
    });
    exporter.reset();
    const gateOnly = new ToolTracing({ tracer });
    const plain = new GatedToolRunner({ gates: [gateOnly], tools: [pay] });
    await plain.call('wire', {});
    await plain.call('pay', { amount: 1, to: 'bob' });
    expect(toolSpans()).toHaveLength(0);
    expect((gateOnly as unknown as { open: Map<string, unknown> }).open.size).toBe(0);
  });

  it('refuses a maxValueChars too small to hold anything', () => {
    expect(() => new ToolTracing({ maxValueChars: 10 })).toThrow(/maxValueChars/);
  });
});
