// Regenerates the tables of docs/performance.md from bench/results/latest.json without measuring again.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { updateDoc } from './report.js';
import type { BenchResults } from './results.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const results = JSON.parse(await readFile(`${root}bench/results/latest.json`, 'utf8')) as BenchResults;
await updateDoc(`${root}docs/performance.md`, results);
console.log('docs/performance.md regenerated from bench/results/latest.json');
