// Issue 11 #4: default redaction let secret keys (secret_key, api_keys, pass, pin, …), Basic credentials, JWTs,
// Google API keys, dotted card numbers and secrets used as object keys through.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonlFileSink, REDACTED, Redactor, verify } from '../src/index.js';
import { auditedRunner, tempDir } from './helpers.js';

const r = new Redactor();

/** Key phrases whose values must always be masked, written as words (the test's own list, not the package's). */
const SECRET_PHRASES = [
  ['password'],
  ['passwd'],
  ['passphrase'],
  ['pass'],
  ['pwd'],
  ['secret'],
  ['token'],
  ['api', 'key'],
  ['access', 'key'],
  ['private', 'key'],
  ['secret', 'key'],
  ['client', 'secret'],
  ['signing', 'key'],
  ['encryption', 'key'],
  ['access', 'token'],
  ['refresh', 'token'],
  ['id', 'token'],
  ['auth', 'token'],
  ['session', 'token'],
  ['bearer'],
  ['security', 'code'],
  ['authorization'],
  ['auth'],
  ['credential'],
  ['cookie'],
  ['jwt'],
  ['otp'],
  ['pin'],
  ['card', 'number'],
  ['credit', 'card'],
  ['cvv'],
  ['cvc'],
  ['ssn'],
];
/** Phrases whose plural names a count, not a secret (max_tokens, passes). */
const SINGULAR_ONLY = new Set(['token', 'pass']);

/** Words that are not secrets, some of them spelled around a secret word (passenger, compass, spine). */
const INNOCENT_WORDS = [
  'passenger',
  'pinned',
  'spine',
  'compass',
  'tokens',
  'max',
  'user',
  'name',
  'amount',
  'note',
  'passage',
  'keyboard',
  'secretary',
  'author',
  'public',
  'spinner',
  'bypass',
  'passive',
  'tokenizer',
  'monkey',
  'cookbook',
  'opinion',
  'shipping',
  'input',
  'output',
  'total',
  'prompt',
  'pineapple',
  'passport',
  'authentic',
];

/** Every spelling of a secret phrase as one word (apikey, apikeys), to keep generated near-misses honest. */
const SECRET_FORMS = new Set(
  SECRET_PHRASES.flatMap((words) => {
    const one = words.join('');
    return SINGULAR_ONLY.has(one) ? [one] : [one, `${one}s`, `${one}es`];
  }),
);

type Style = 'snake' | 'kebab' | 'dot' | 'space' | 'camel' | 'pascal' | 'upper' | 'glued';
const STYLES: Style[] = ['snake', 'kebab', 'dot', 'space', 'camel', 'pascal', 'upper', 'glued'];
const cap = (w: string) => w.charAt(0).toUpperCase() + w.slice(1);

/** Writes words as a key in one of the case styles programs use. */
function styled(words: string[], style: Style): string {
  switch (style) {
    case 'snake':
      return words.join('_');
    case 'kebab':
      return words.join('-');
    case 'dot':
      return words.join('.');
    case 'space':
      return words.map(cap).join(' ');
    case 'camel':
      return words[0] + words.slice(1).map(cap).join('');
    case 'pascal':
      return words.map(cap).join('');
    case 'upper':
      return words.join('_').toUpperCase();
    case 'glued':
      return words.join('');
  }
}

describe('secret keys (token-based, any case style, plurals)', { timeout: 60_000 }, () => {
  it('masks the keys issue 11 found unmasked', () => {
    for (const key of ['secret_key', 'password_confirmation', 'api_keys', 'pass', 'pin', 'private_key_pem']) {
      expect(r.isSecretKey(key), key).toBe(true);
      expect(r.redact({ [key]: 'hunter2' }), key).toEqual({ [key]: REDACTED });
    }
  });

  it('masks secret words in snake, camel, kebab, dotted, Pascal and upper case, with acronyms and digits', () => {
    for (const key of [
      'db_password',
      'dbPassword',
      'DB-PASSWORD',
      'smtp.pass',
      'X-Api-Key',
      'APIKey',
      'apiKEY',
      'apikey',
      'githubToken',
      'passengerPIN',
      'PINCode',
      'cvv2',
      'creditCardNumber',
      'Set-Cookie',
      'refresh_tokens',
      'AWS_SECRET_ACCESS_KEY',
      'clientSecret',
      'Proxy-Authorization',
      'user credentials',
    ]) {
      expect(r.isSecretKey(key), key).toBe(true);
    }
  });

  it('leaves innocent keys that merely contain a secret word readable', () => {
    for (const key of [
      'passenger',
      'pinned',
      'spine',
      'compass',
      'max_tokens',
      'tokens',
      'prompt_tokens',
      'passage',
      'public_key',
      'key',
      'card_type',
      'keyboard',
      'author',
      'bypass',
      'passes',
      'description',
      '',
    ]) {
      expect(r.isSecretKey(key), key).toBe(false);
    }
  });

  it('property: a secret phrase in any style, with other words around it and in the plural, is masked', () => {
    const phrase = fc.constantFrom(...SECRET_PHRASES);
    const innocent = fc.array(fc.constantFrom(...INNOCENT_WORDS), { maxLength: 2 });
    fc.assert(
      fc.property(
        innocent,
        phrase,
        fc.boolean(),
        innocent,
        fc.constantFrom(...STYLES.filter((s) => s !== 'glued')),
        (before, words, plural, after, style) => {
          const last = words.at(-1)!;
          const usePlural = plural && !(words.length === 1 && SINGULAR_ONLY.has(last));
          const phraseWords = usePlural ? [...words.slice(0, -1), `${last}s`] : words;
          const key = styled([...before, ...phraseWords, ...after], style);
          expect(r.isSecretKey(key), key).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('property: keys made of innocent words, or of secret words glued into longer words, stay readable', () => {
    const glued = fc
      .tuple(
        fc.stringMatching(/^[a-z]{0,3}$/),
        fc.constantFrom(...SECRET_PHRASES.map((w) => w.join(''))),
        fc.stringMatching(/^[a-z]{0,3}$/),
      )
      .map(([a, w, b]) => `${a}${w}${b}`)
      .filter((w) => !SECRET_FORMS.has(w));
    const word = fc.oneof(fc.constantFrom(...INNOCENT_WORDS), glued);
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 3 }), fc.constantFrom(...STYLES), (words, style) => {
        // Glued together, neighbours would form new words; the property is about words kept apart.
        const key = styled(words, style === 'glued' ? 'snake' : style);
        expect(r.isSecretKey(key), key).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });

  it('takes its own phrases in any case style', () => {
    const custom = new Redactor({ keys: ['iban', 'EmployeeId'] });
    expect(custom.isSecretKey('customer_iban')).toBe(true);
    expect(custom.isSecretKey('employee-id')).toBe(true);
    expect(custom.isSecretKey('employee')).toBe(false);
    expect(custom.isSecretKey('password')).toBe(false);
  });
});

describe('secret values the default patterns recognise', () => {
  const JWT =
    'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
  const BASIC = 'dXNlcjpodW50ZXIyLVh5OXZR'; // user:hunter2-Xy9vQ
  const AIZA = 'AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY';
  const PEM =
    '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----';

  it('masks Basic credentials, JWTs, Google API keys, PEM private keys and dotted card numbers', () => {
    expect(r.redactString(`Authorization: Basic ${BASIC}`)).toBe(`Authorization: Basic ${REDACTED}`);
    expect(r.redactString(`curl -H 'authorization: basic ${BASIC}' x`)).toBe(
      `curl -H 'authorization: basic ${REDACTED}' x`,
    );
    expect(r.redactString(`session ${JWT} expired`)).toBe(`session ${REDACTED} expired`);
    expect(r.redactString(`key=${AIZA}`)).not.toContain(AIZA);
    expect(r.redactString(`maps ${AIZA} used`)).toBe(`maps ${REDACTED} used`);
    expect(r.redactString(`key:\n${PEM}\nend`)).toBe(`key:\n${REDACTED}\nend`);
    expect(r.redactString('card 4111.1111.1111.1111 today')).toBe(`card ${REDACTED} today`);
    expect(r.redactString('amex 3782.822463.10005')).toBe(`amex ${REDACTED}`);
  });

  it('masks credentials written inside JSON text held in a string', () => {
    expect(r.redactString('{"password": "hunter2", "pin":"1234"}')).toBe(
      `{"password": "${REDACTED}", "pin":"${REDACTED}"}`,
    );
  });

  it('leaves ordinary words after "Basic" and ordinary dotted numbers alone', () => {
    for (const s of [
      'Basic information about the account',
      'basic plan',
      'version 1234.5678.9012.3456.7',
      'ratio 1234567890.123',
      'eyJust a word',
    ]) {
      expect(r.redactString(s)).toBe(s);
    }
  });

  it('redacts an object key that is itself a secret, keeping the value and every other key', () => {
    const key = 'sk-proj-Q7xT2mVb9LkWc4Rz8NpY3sHd';
    expect(r.redact({ [key]: { scope: 'all' }, note: 'n' })).toEqual({ [REDACTED]: { scope: 'all' }, note: 'n' });
    // Two secret keys mask to one name: the second is numbered rather than dropped.
    const other = 'sk-proj-Zz9yXx8wWv7uUt6sSr5qQp4';
    expect(r.redact({ [key]: 1, [other]: 2 })).toEqual({ [REDACTED]: 1, [`${REDACTED} (2)`]: 2 });
  });

  it('none of them reaches the audit file, in args, results or as keys', async () => {
    const file = join(await tempDir(), 'audit.jsonl');
    const sink = new JsonlFileSink(file);
    const { runner } = auditedRunner(sink, { writeAhead: true });
    runner.register({
      name: 'login',
      parameters: { type: 'object' },
      handler: () => ({ jwt_note: `token ${JWT}`, [`sk-live-${'a'.repeat(24)}`]: true, header: `Basic ${BASIC}` }),
    });
    await runner.call('pay', {
      amount: 5,
      to: 'bob',
      note: `maps ${AIZA}, card 4111.1111.1111.1111`,
      secret_key: 'SECRET-KEY-VALUE-1',
      api_keys: ['API-KEY-VALUE-2'],
      pass: 'PASS-VALUE-3',
      pin: 'PIN-VALUE-5',
      password_confirmation: 'CONFIRM-VALUE-4',
      private_key_pem: PEM,
    } as never);
    await runner.call('login', {});
    await sink.close();
    const raw = await readFile(file, 'utf8');
    for (const secret of [
      JWT,
      BASIC,
      AIZA,
      '4111.1111.1111.1111',
      'SECRET-KEY-VALUE-1',
      'API-KEY-VALUE-2',
      'PASS-VALUE-3',
      'PIN-VALUE-5',
      'CONFIRM-VALUE-4',
      'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC',
      'a'.repeat(24),
    ]) {
      expect(raw, secret).not.toContain(secret);
    }
    expect(await verify(file)).toMatchObject({ ok: true, records: 4 });
  });
});
