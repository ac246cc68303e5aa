import { expect, it } from 'vitest';
import { demo } from '../src/demo.js';

it('the demo: the small payment runs, the approved one runs once, the edit to 5000 is blocked', async () => {
  const lines: string[] = [];
  const sent = await demo((line) => lines.push(line));
  expect(sent).toEqual(['40 to Bob', '500 to Bob']);
  expect(lines.at(-2)).toContain('payment_too_large');
});
