import { defineTool, GatedToolRunner, withJsonSchema } from '@tollgate/core';
import { toJsonSchema } from '@valibot/to-json-schema';
import { type } from 'arktype';
import * as v from 'valibot';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';

const sendMoney = z.object({
  to: z.string().regex(/^[A-Z]{2}\d{2}[A-Z0-9]{4,30}$/, 'must be an IBAN'),
  amount: z.number().positive(),
  note: z.string().max(140).default(''),
});

describe('tools defined with a Standard Schema', () => {
  it('zod: the model gets JSON Schema, the runner validates with zod, the handler gets zod’s typed output', async () => {
    const seen: unknown[] = [];
    const tool = defineTool({
      name: 'send_money',
      description: 'Send money to an IBAN.',
      parameters: sendMoney,
      handler: (args) => {
        expectTypeOf(args).toEqualTypeOf<{ to: string; amount: number; note: string }>();
        seen.push(args);
        return { sent: args.amount };
      },
    });
    const runner = new GatedToolRunner({ tools: [tool] });
    const [schema] = runner.schemas();
    expect(schema).toEqual({
      name: 'send_money',
      description: 'Send money to an IBAN.',
      parameters: {
        type: 'object',
        properties: {
          to: { type: 'string', pattern: '^[A-Z]{2}\\d{2}[A-Z0-9]{4,30}$' },
          amount: { type: 'number', exclusiveMinimum: 0 },
          note: { type: 'string', maxLength: 140, default: '' },
        },
        required: ['to', 'amount'],
      },
    });

    const r = await runner.call('send_money', '{"to":"DE89370400440532013000","amount":12.5}');
    expect(r.status).toBe('executed');
    // The default applied by zod reaches the handler; gates and the audit see what the model sent.
    expect(seen).toEqual([{ to: 'DE89370400440532013000', amount: 12.5, note: '' }]);
    expect(r.decisions[0]).toMatchObject({ gate: 'validation', outcome: 'allow' });

    const bad = await runner.call('send_money', { to: 'attacker', amount: -5, extra: 1 });
    expect(bad).toMatchObject({ status: 'blocked', blockedBy: 'validation', reason: 'invalid_arguments' });
    expect(bad.message).toContain('/to: must be an IBAN');
    expect(bad.message).toContain('/amount: Too small');
    expect(seen).toHaveLength(1);
  });

  it('arktype: its own JSON Schema and validation', async () => {
    const runner = new GatedToolRunner({
      tools: [
        defineTool({
          name: 'lookup',
          parameters: type({ account: 'string', 'limit?': 'number' }),
          handler: ({ account }) => account.toUpperCase(),
        }),
      ],
    });
    expect(runner.schemas()[0]!.parameters).toMatchObject({ type: 'object', required: ['account'] });
    expect(await runner.call('lookup', { account: 'acc_1' })).toMatchObject({ status: 'executed', result: 'ACC_1' });
    expect((await runner.call('lookup', { account: 7 })).message).toMatch(/\/account: .*string/);
  });

  it('valibot: refused at register() without a JSON Schema, accepted through withJsonSchema', async () => {
    const schema = v.object({ q: v.pipe(v.string(), v.minLength(2)) });
    const plain = { name: 'search', parameters: schema, handler: () => 1 };
    expect(() => new GatedToolRunner({ tools: [plain] })).toThrow(
      'Tool "search" has a valibot schema that generates no JSON Schema for the model; wrap it: withJsonSchema(schema, jsonSchema)',
    );
    const runner = new GatedToolRunner({
      tools: [
        defineTool({
          name: 'search',
          parameters: withJsonSchema(schema, toJsonSchema(schema)),
          handler: (args) => {
            expectTypeOf(args).toEqualTypeOf<{ q: string }>();
            return args.q;
          },
        }),
      ],
    });
    expect(runner.schemas()[0]!.parameters).toMatchObject({ type: 'object', required: ['q'] });
    expect((await runner.call('search', { q: 'ab' })).status).toBe('executed');
    expect((await runner.call('search', { q: 'a' })).message).toMatch(/\/q: Invalid length/);
  });

  it('an async refinement is awaited; one that throws is an invalid call and nothing runs', async () => {
    let runs = 0;
    const runner = new GatedToolRunner({
      tools: [
        defineTool({
          name: 'book',
          parameters: z.object({ room: z.string() }).refine(async (a) => a.room !== 'taken', 'room is taken'),
          handler: () => ++runs,
        }),
        defineTool({
          name: 'hostile',
          parameters: z.object({ x: z.string() }).superRefine(() => {
            throw new Error('refinement exploded');
          }),
          handler: () => ++runs,
        }),
      ],
    });
    expect((await runner.call('book', { room: 'a' })).status).toBe('executed');
    expect(await runner.call('book', { room: 'taken' })).toMatchObject({
      status: 'blocked',
      reason: 'invalid_arguments',
    });
    const r = await runner.call('hostile', { x: 'y' });
    expect(r).toMatchObject({ status: 'blocked', reason: 'invalid_arguments' });
    expect(r.message).toContain('refinement exploded');
    expect(runs).toBe(1);
  });

  it('refuses a schema that does not describe an object, and keeps JSON Schema tools as they were', () => {
    expect(() => new GatedToolRunner({ tools: [{ name: 'n', parameters: z.string(), handler: () => 1 }] })).toThrow(
      'Tool "n": its parameters must describe an object, got type string',
    );
    const json = { type: 'object', properties: { a: { type: 'string' } } };
    const runner = new GatedToolRunner({ tools: [{ name: 'j', parameters: json, handler: () => 1 }] });
    expect(runner.schemas()[0]!.parameters).toBe(json);
  });

  it('resumes an approved Standard Schema call: re-validated from the stored input, the handler gets the output', async () => {
    const seen: unknown[] = [];
    const runner = new GatedToolRunner({
      gates: [{ name: 'review', stage: 'rule', check: () => ({ outcome: 'require_approval', reason: 'review' }) }],
      tools: [defineTool({ name: 'send_money', parameters: sendMoney, handler: (a) => seen.push(a) })],
    });
    const paused = await runner.call('send_money', { to: 'DE89370400440532013000', amount: 5 });
    expect(await runner.getApproval(paused.approval!.id)).toMatchObject({
      args: { to: 'DE89370400440532013000', amount: 5 },
    });
    await runner.approve(paused.approval!.id, { by: 'ops' });
    expect((await runner.resume(paused.approval!.id)).status).toBe('executed');
    expect(seen).toEqual([{ to: 'DE89370400440532013000', amount: 5, note: '' }]);
  });
});
