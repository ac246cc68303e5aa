// Runs one per-call case in a loop, for `node --cpu-prof`: see docs/performance.md, "The targets".
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REDIS_URL } from '@tollgate/test-utils';
import { buildOverheadCases } from './cases/overhead.js';
import { buildRedisCases } from './cases/redis.js';

const [id = 'overhead.full-memory', seconds = '5'] = process.argv.slice(2);
const dir = await mkdtemp(join(tmpdir(), 'tollgate-profile-'));
const { cases, close } = id.startsWith('redis.') ? await buildRedisCases(REDIS_URL) : await buildOverheadCases(dir);
try {
  const selected = cases.find((c) => c.id === id);
  if (!selected) throw new Error(`no case ${id}; cases: ${cases.map((c) => c.id).join(', ')}`);
  const until = performance.now() + Number(seconds) * 1000;
  let calls = 0;
  while (performance.now() < until) {
    for (let i = 0; i < 1000; i++) await selected.fn();
    calls += 1000;
    await selected.afterAll?.();
  }
  console.log(`${id}: ${calls} calls in ${seconds} s`);
} finally {
  await close();
  await rm(dir, { recursive: true, force: true });
}
