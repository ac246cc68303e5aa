// `node bench/dist/postgres.js`: measures the PostgreSQL audit sink section alone (in a child, as `pnpm bench`
// does) and writes it into bench/results/latest.json and docs/performance.md, keeping the other figures.
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PostgresResult } from './cases/postgres.js';
import { updateDoc } from './report.js';
import type { BenchResults } from './results.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ms = Number(process.env.BENCH_THROUGHPUT_MS ?? 1_000);
const child = spawn(
  process.execPath,
  [fileURLToPath(new URL('child.js', import.meta.url)), JSON.stringify({ kind: 'postgres', url, ms })],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
let out = '';
child.stdout.on('data', (d) => {
  out += d;
});
const code = await new Promise((resolve) => child.once('exit', resolve));
if (code !== 0) throw new Error(`the PostgreSQL section exited ${code}`);
const postgres = JSON.parse(out.trim().split('\n').at(-1)!) as PostgresResult;
const file = join(root, 'bench/results/latest.json');
const results = JSON.parse(await readFile(file, 'utf8')) as BenchResults;
results.postgres = postgres;
await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
await updateDoc(join(root, 'docs/performance.md'), results);
console.log(JSON.stringify(postgres, null, 2));
