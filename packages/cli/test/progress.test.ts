import { describe, expect, it } from 'vitest';
import { PROGRESS_LINE_MS, startProgress } from '../src/progress.js';

describe('startProgress without a terminal', () => {
  it('writes a line every few seconds while items go by, and nothing for a run that ends sooner', () => {
    let t = 0;
    let out = '';
    const stream = { write: (s: string) => (out += s) };
    const progress = startProgress(stream, 100, 'replay', () => t);
    // 4 s of ticks: not yet a line.
    for (let i = 0; i < 40; i++) {
      t += 100;
      progress.tick();
    }
    expect(out).toBe('');
    // Then one tick every 0.5 s: a line at 5 s (tick 42), and every 5 s after.
    for (let i = 0; i < 60; i++) {
      t += PROGRESS_LINE_MS / 10;
      progress.tick();
    }
    progress.stop();
    expect(out.trim().split('\n')).toEqual([
      'replay: 42/100 episodes (5 s)',
      'replay: 52/100 episodes (10 s)',
      'replay: 62/100 episodes (15 s)',
      'replay: 72/100 episodes (20 s)',
      'replay: 82/100 episodes (25 s)',
      'replay: 92/100 episodes (30 s)',
    ]);
  });

  it('stays silent for short inputs', () => {
    let out = '';
    const progress = startProgress({ write: (s: string) => (out += s) }, 10, 'replay', () => Date.now() * 1000);
    for (let i = 0; i < 10; i++) progress.tick();
    expect(out).toBe('');
  });
});
