import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** scrypt cost: 2^15 (N), r 8, p 1 — OWASP's password-storage minimum for scrypt; about 32 MiB and 50–100 ms. */
const LN = 15;
const R = 8;
const P = 1;
const KEY_BYTES = 32;

function derive(password: string, salt: Buffer, ln: number, r: number, p: number): Promise<Buffer> {
  return new Promise((done, fail) =>
    scrypt(password.normalize('NFKC'), salt, KEY_BYTES, { N: 2 ** ln, r, p, maxmem: 256 * 2 ** ln * r }, (err, key) =>
      err ? fail(err) : done(key),
    ),
  );
}

/**
 * Hashes a password with scrypt (node:crypto) into a PHC string: `$scrypt$ln=15,r=8,p=1$<salt>$<hash>` (base64,
 * no padding). Put the string in the console's users file; the password itself is never stored.
 */
export async function hashPassword(password: string): Promise<string> {
  if (typeof password !== 'string' || password.length < 8)
    throw new TypeError('a password needs at least 8 characters');
  const salt = randomBytes(16);
  const key = await derive(password, salt, LN, R, P);
  const b64 = (b: Buffer) => b.toString('base64').replace(/=+$/, '');
  return `$scrypt$ln=${LN},r=${R},p=${P}$${b64(salt)}$${b64(key)}`;
}

const PHC = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

/** Whether `hash` (from {@link hashPassword}) is a well-formed scrypt PHC string. */
export function isPasswordHash(hash: string): boolean {
  return PHC.test(hash);
}

/** Checks a password against a {@link hashPassword} string, in constant time; false for a malformed hash. */
export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  const m = PHC.exec(hash);
  if (!m || typeof password !== 'string') return false;
  const [, ln, r, p, salt, key] = m;
  const expected = Buffer.from(key!, 'base64');
  const got = await derive(password, Buffer.from(salt!, 'base64'), Number(ln), Number(r), Number(p));
  return got.length === expected.length && timingSafeEqual(got, expected);
}

/** SHA-256 (hex) of an access token: the form a users file keeps tokens in (tokens are random, so no salt). */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Compares two strings in constant time (for CSRF tokens and token hashes). */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
