import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { normalizeTools } from '../src/tools/normalize.js';
import { argsTypeName, generateArgsTypes } from '../src/tools/typegen.js';
import { fixture, repoRoot, runCli, tempDir } from './helpers.js';

const run = promisify(execFile);

describe('tollgate types', () => {
  it('writes interfaces that tsc --strict compiles and that type real arguments', async () => {
    const dir = await tempDir();
    const out = join(dir, 'banking-args.ts');
    const { code, stderr } = await runCli(['types', fixture('agentdojo/banking-tools.json'), '-o', out]);
    expect(code).toBe(0);
    expect(stderr).toContain(`Wrote ${out}`);
    const source = await readFile(out, 'utf8');
    expect(source).toContain('export interface SendMoneyArgs {');
    expect(source).toMatch(/export interface SendMoneyArgs \{[^}]*recipient: string;[^}]*amount: number;/s);
    expect(source).toContain('send_money: SendMoneyArgs;');
    // Titles like "Recipient" must not turn into type aliases.
    expect(source).not.toContain('export type Recipient');
    const use = join(dir, 'use.ts');
    await writeFile(
      use,
      [
        "import type { SendMoneyArgs, ToolArgs } from './banking-args.js';",
        "export const ok: SendMoneyArgs = { recipient: 'UK12', amount: 1.5, subject: 'rent', date: '2024-01-01' };",
        "export const viaMap: ToolArgs['update_password'] = { password: 'x' };",
        '// @ts-expect-error amount must be a number',
        "export const bad: SendMoneyArgs = { recipient: 'UK12', amount: '1', subject: 's', date: 'd' };",
        '',
      ].join('\n'),
    );
    const tsc = join(repoRoot, 'node_modules/.bin/tsc');
    const args = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', out, use];
    await expect(run(tsc, args, { cwd: dir })).resolves.toBeDefined();
  }, 60_000);

  it('prints to stdout without -o', async () => {
    const { code, stdout } = await runCli(['types', fixture('agentdojo/banking-tools.json')]);
    expect(code).toBe(0);
    expect(stdout).toContain('export interface UpdatePasswordArgs {');
  });

  it('reads the Responses format and a { name: schema } map, and hoists $defs', async () => {
    const permission = { enum: ['r', 'rw'], title: 'SharingPermission', type: 'string' };
    const responses = normalizeTools([
      {
        type: 'function',
        name: 'share_file',
        description: 'Shares a file.',
        parameters: {
          $defs: { SharingPermission: permission },
          type: 'object',
          properties: {
            file_id: { type: 'string', title: 'File Id' },
            permission: { $ref: '#/$defs/SharingPermission' },
          },
          required: ['file_id', 'permission'],
        },
      },
    ]);
    const map = normalizeTools({ refundPayment: { type: 'object', properties: { amount: { type: 'string' } } } });
    const source = await generateArgsTypes([...responses, ...map]);
    expect(source).toContain("export type SharingPermission = 'r' | 'rw';");
    expect(source).toMatch(/export interface ShareFileArgs \{[^}]*permission: SharingPermission;/s);
    expect(source).toContain('export interface RefundPaymentArgs {');
    expect(source).toContain('amount?: string;');
  });

  it('names interfaces after the tool', () => {
    expect(argsTypeName('send_money')).toBe('SendMoneyArgs');
    expect(argsTypeName('refundPayment')).toBe('RefundPaymentArgs');
    expect(argsTypeName('deploy-service.v2')).toBe('DeployServiceV2Args');
    expect(argsTypeName('3d_print')).toBe('T3dPrintArgs');
  });

  it('names a missing file, bad JSON and a file that is not tools (exit 2)', async () => {
    const dir = await tempDir();
    const missing = await runCli(['types', join(dir, 'none.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('Tools file not found');
    await writeFile(join(dir, 'bad.json'), '[{');
    const bad = await runCli(['types', join(dir, 'bad.json')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('is not valid JSON');
    await writeFile(join(dir, 'odd.json'), '[{"type":"function","function":{}}]');
    const odd = await runCli(['types', join(dir, 'odd.json')]);
    expect(odd.code).toBe(2);
    expect(odd.stderr).toContain('entry 0 has no `name`');
  });
});
