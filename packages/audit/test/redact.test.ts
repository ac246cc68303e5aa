import { createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AuditRecord,
  DEFAULT_SECRET_KEYS,
  DEFAULT_SECRET_PATTERNS,
  JsonlFileSink,
  REDACTED,
  Redactor,
  type RedactorOptions,
  verify,
} from '../src/index.js';
import { auditedRunner, tempDir } from './helpers.js';

const API_KEY = 'sk-proj-Q7xT2mVb9LkWc4Rz8NpY3sHd';
const CARD = '4111 1111 1111 1111';
const PASSWORD = 'hunter2-Xy9vQ!';
const HMAC_KEY = 'audit-hmac-key-for-tests';

/** Every spelling of the secrets that must not reach the file. */
const FORBIDDEN = [API_KEY, CARD, CARD.replaceAll(' ', ''), '4111-1111-1111-1111', PASSWORD, HMAC_KEY];

/** Runs calls that carry the secrets in args, in a handler's result and in a thrown error, into a real file. */
async function auditedSecrets(redact: RedactorOptions) {
  const file = join(await tempDir(), 'audit.jsonl');
  const sink = new JsonlFileSink(file);
  const { runner } = auditedRunner(sink, { writeAhead: true, redact });
  runner.register({
    name: 'login',
    parameters: { type: 'object' },
    handler: () => ({ session: `token=${PASSWORD}`, echo: `key ${API_KEY} used`, card: CARD }),
  });
  const results = [
    await runner.call('pay', {
      amount: 5,
      to: 'bob',
      note: `card ${CARD}, password=${PASSWORD}`,
      api_key: API_KEY,
      Password: PASSWORD,
      nested: [{ Authorization: `Bearer ${API_KEY}` }],
    }),
    await runner.call('login', {}),
    await runner.call('fail', { why: `card 4111-1111-1111-1111 declined for ${API_KEY}` }),
    // A blocked call: its args and the gate's message are recorded too.
    await runner.call('pay', { amount: 5, to: 'mallory', note: `password: ${PASSWORD}` }),
  ];
  await sink.close();
  // The caller still sees the real values: redaction only concerns what is written.
  expect(results[1]?.result).toMatchObject({ card: CARD });
  expect(results[2]?.error?.message).toContain(API_KEY);
  const raw = await readFile(file);
  return { file, raw, text: raw.toString('utf8') };
}

describe('secrets never reach the audit file', () => {
  it('mask mode: args, results and error messages are masked', async () => {
    const { file, raw, text } = await auditedSecrets({});
    for (const secret of FORBIDDEN) expect(raw.includes(Buffer.from(secret))).toBe(false);
    expect(await verify(file)).toMatchObject({ ok: true });
    const records = text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as AuditRecord);
    const pay = records.find((r) => r.kind === 'outcome' && r.tool === 'pay');
    expect(pay?.args).toMatchObject({
      amount: 5,
      to: 'bob',
      note: `card ${REDACTED}, password=${REDACTED}`,
      api_key: REDACTED,
      Password: REDACTED,
      nested: [{ Authorization: REDACTED }],
    });
    const failed = records.find((r) => r.status === 'tool_error');
    expect(failed?.error?.message).toBe(`card ${REDACTED} declined for ${REDACTED}`);
    expect(failed?.message).toBe(`The tool failed: Error: card ${REDACTED} declined for ${REDACTED}`);
  });

  it('hmac mode: secrets become hmac:<hex>, equal secrets stay correlatable', async () => {
    const { raw, text } = await auditedSecrets({ mode: { hmacKey: HMAC_KEY } });
    for (const secret of FORBIDDEN) expect(raw.includes(Buffer.from(secret))).toBe(false);
    const hmac = (s: string) => `hmac:${createHmac('sha256', HMAC_KEY).update(s).digest('hex')}`;
    // The API key appears in args, in a result and in an error: the same token each time.
    const occurrences = text.split(hmac(API_KEY)).length - 1;
    expect(occurrences).toBeGreaterThanOrEqual(4);
    expect(text).toContain(`password=${hmac(PASSWORD)}`);
    expect(text).not.toContain(REDACTED);
  });
});

describe('Redactor', { timeout: 60_000 }, () => {
  const r = new Redactor();

  it('matches secret keys by their words, in any case style', () => {
    for (const key of ['password', 'PASSWORD', 'db_password', 'X-Api-Key', 'apiKey', 'githubToken', 'Authorization']) {
      expect(r.isSecretKey(key)).toBe(true);
    }
    for (const key of ['max_tokens', 'tokens', 'amount', 'passage', 'description', '']) {
      expect(r.isSecretKey(key)).toBe(false);
    }
    expect(r.redact({ Card_Number: 4111111111111111, cookie: { a: 1 } })).toEqual({
      Card_Number: REDACTED,
      cookie: REDACTED,
    });
  });

  it('redacts known key formats and keeps the label of key=value pairs', () => {
    expect(r.redactString(`Authorization: Bearer abc.def-ghi`)).toBe(`Authorization: Bearer ${REDACTED}`);
    expect(r.redactString('postgres://app:s3cr3t@db:5432/x')).toBe(`postgres://app:${REDACTED}@db:5432/x`);
    expect(r.redactString('GET /?token=abc123&page=2')).toBe(`GET /?token=${REDACTED}&page=2`);
    expect(r.redactString('use ghp_0123456789abcdefghijABCDEFGHIJ012345 now')).toBe(`use ${REDACTED} now`);
    expect(r.redactString('AKIAIOSFODNN7EXAMPLE')).toBe(REDACTED);
    expect(r.redactString('sk_live_4eC39HqLyjWDarjtT1zdp7dc')).toBe(REDACTED);
  });

  it('redacts Luhn-valid card numbers only, in strings and integers', () => {
    expect(r.redactString('pay with 5555-5555-5555-4444 today')).toBe(`pay with ${REDACTED} today`);
    expect(r.redactString('order 1234567890123456')).toBe('order 1234567890123456');
    expect(r.redact(4111111111111111)).toBe(REDACTED);
    expect(r.redact(1234567890123456)).toBe(1234567890123456);
    expect(new Redactor({ cardNumbers: false }).redactString(CARD)).toBe(CARD);
  });

  it('takes its own key and pattern lists', () => {
    const custom = new Redactor({ keys: [...DEFAULT_SECRET_KEYS, 'iban'], patterns: [/\bEMP-\d{4}\b/] });
    expect(custom.redact({ iban: 'DE89', note: 'for EMP-1234 and EMP-5678' })).toEqual({
      iban: REDACTED,
      note: `for ${REDACTED} and ${REDACTED}`,
    });
    // Replacing the patterns drops the defaults.
    expect(custom.redactString(API_KEY)).toBe(API_KEY);
  });

  it('refuses hmac mode without a key', () => {
    expect(() => new Redactor({ mode: { hmacKey: '' } })).toThrow(/hmacKey/);
  });

  it('never lets a secret through, wherever it sits in a JSON value', () => {
    const secrets = fc.constantFrom(API_KEY, CARD, '5555555555554444', `password=${PASSWORD}`);
    const sep = fc.constantFrom(' ', '\n', ': ', '(', '"', '');
    const text = fc.string({ maxLength: 8 }).map((s) => s.replace(/[A-Za-z0-9_]/g, '.'));
    const embedded = fc.tuple(text, sep, secrets, sep, text).map(([a, s1, secret, s2, b]) => ({
      value: `${a}${s1 === '' && a !== '' ? ' ' : s1}${secret}${s2}${b}`,
      secret,
    }));
    fc.assert(
      fc.property(fc.jsonValue(), embedded, fc.string(), (value, { value: hidden, secret }, key) => {
        const doc = { wrapper: [value, { [key]: hidden }] };
        const out = JSON.stringify(r.redact(doc as never));
        const core = secret.replace(/^password=/, '');
        expect(out.includes(core)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('skips no string the default patterns would change (the pre-check is a superset)', () => {
    // Given as the caller's own list, the same patterns run on every string, without the pre-check.
    const everyString = new Redactor({ patterns: [...DEFAULT_SECRET_PATTERNS] });
    const fragments = fc.constantFrom(
      'sk-',
      'sk-proj-',
      'rk_live_',
      'pk_test_',
      'ghp_',
      'gho_',
      'AKIA',
      'xoxb-',
      'Bearer',
      'BEARER ',
      '://',
      'user:',
      '@',
      'Password',
      'PASSWD',
      'pwd',
      'Secret',
      'TOKEN',
      'api_key',
      'Api-Key',
      'apikey',
      '=',
      ': ',
      ' ',
      '-',
      '4111',
      '1111',
      '5555',
      '4444',
      '0',
      'Q7xT2mVb9LkWc4Rz8NpY3sHd',
      'IOSFODNN7EXAMPLE',
      'AIza',
      'SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY',
      'eyJ',
      'hbGciOiJIUzI1NiJ9',
      '.',
      '-----BEGIN PRIVATE KEY-----',
      '-----END RSA PRIVATE KEY-----',
      'Basic ',
      'basic ',
      'dXNlcjpwYXNz',
      'pin',
      'PASS',
      '_code',
      '"',
      "'",
      'otp',
      'CVV',
      'private_key',
      'Access-Key',
    );
    const text = fc.array(fc.oneof(fragments, fc.string({ maxLength: 4 })), { maxLength: 12 }).map((p) => p.join(''));
    fc.assert(
      fc.property(text, (s) => {
        expect(r.redactString(s)).toBe(everyString.redactString(s));
      }),
      { numRuns: 2000 },
    );
    for (const s of [
      'PASSWORD=abc',
      'Token: x1',
      'API-KEY=k',
      'x Bearer a.b',
      '4111-1111-1111-1111',
      '4111.1111.1111.1111',
      'a://u:p@h',
      'Basic dXNlcjpwYXNz',
      '"pin": "1234"',
    ]) {
      expect(r.redactString(s)).not.toBe(s);
      expect(r.redactString(s)).toBe(everyString.redactString(s));
    }
  });

  it('answers key lookups the same once its key cache has filled and been cleared', () => {
    const cached = new Redactor();
    const keys = Array.from({ length: 3000 }, (_, i) => (i % 3 === 0 ? `field_${i}_token` : `field_${i}`));
    for (let round = 0; round < 2; round++) {
      for (const [i, key] of keys.entries()) expect(cached.isSecretKey(key)).toBe(i % 3 === 0);
    }
  });
});
