import { readFileSync } from 'node:fs';
import { GatedToolRunner } from '@tollgate/core';
import { loadSinks, ProvenanceGate, ProvenanceLog, SINKS_SCHEMA, SinkLoadError } from '@tollgate/provenance';
import { describe, expect, it } from 'vitest';

const document = {
  $schema: './node_modules/@tollgate/provenance/schema/sinks.schema.json',
  description: 'Money and mail go where the user said.',
  trustedTools: ['get_balance'],
  trustFields: ['iban'],
  sinks: [
    {
      id: 'payee',
      match: { tool: ['send_money', 'schedule_*'] },
      path: '/recipient',
      kind: 'iban',
      label: 'the recipient IBAN',
      effect: 'block',
    },
    { id: 'mail', match: { tool: 'send_email' }, path: '/recipients/*', kind: 'email', unseen: 'require_approval' },
  ],
};

describe('loadSinks: the declarative form', () => {
  it('reads a document into gate options that act as the same sinks written in code', async () => {
    const options = loadSinks(document);
    expect(options).toEqual({
      trustedTools: ['get_balance'],
      trustFields: ['iban'],
      sinks: [
        {
          id: 'payee',
          tools: ['send_money', 'schedule_*'],
          path: '/recipient',
          kind: 'iban',
          label: 'the recipient IBAN',
          effect: 'block',
        },
        { id: 'mail', tools: 'send_email', path: '/recipients/*', kind: 'email', unseen: 'require_approval' },
      ],
    });
    const runner = new GatedToolRunner({
      gates: [new ProvenanceGate(options)],
      tools: ['send_money', 'schedule_transaction', 'send_email'].map((name) => ({
        name,
        parameters: { type: 'object' },
        handler: () => 'ok',
      })),
    });
    const log = new ProvenanceLog();
    log.record({ origin: 'tool', tool: 'read_file', callId: 'c1' }, 'pay US133000000121212121212');
    const ctx = { provenance: log };
    expect((await runner.call('schedule_transaction', { recipient: 'US133000000121212121212' }, ctx)).status).toBe(
      'blocked',
    );
    expect((await runner.call('send_email', { recipients: ['new@x.com'] }, ctx)).reason).toBe('unseen_value');
  });

  it('lists every problem with its JSON Pointer', () => {
    const bad = {
      sinks: [
        { id: 'a', kind: 'ssn', path: 'recipient' },
        { kind: 'iban', colour: 'red' },
        { id: 'c', kind: 'iban', effect: 'allow' },
      ],
      trustFields: 'yes',
    };
    let error: SinkLoadError | undefined;
    try {
      loadSinks(bad, { file: 'sinks.json' });
    } catch (err) {
      error = err as SinkLoadError;
    }
    expect(error).toBeInstanceOf(SinkLoadError);
    const paths = error!.issues.map((i) => i.path);
    for (const p of ['/sinks/0/kind', '/sinks/0/path', '/sinks/1/id', '/sinks/1', '/sinks/2/effect', '/trustFields']) {
      expect(paths).toContain(p);
    }
    expect(error!.message).toContain('sinks.json#');
    expect(() =>
      loadSinks({
        sinks: [
          { id: 'a', kind: 'iban' },
          { id: 'a', kind: 'email' },
        ],
      }),
    ).toThrow(/duplicate id/);
    expect(() => loadSinks(null)).toThrow(SinkLoadError);
  });

  it('ships the schema as a file, the same one it validates with', () => {
    const file = JSON.parse(readFileSync(new URL('../schema/sinks.schema.json', import.meta.url), 'utf8'));
    expect(file).toEqual(SINKS_SCHEMA);
  });
});
