// Prints the top self-time frames of a .cpuprofile (what `node --cpu-prof` writes).
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

/** Self time per frame (function, file, line), as a share of all samples, highest first. */
export function topSelfFrames(profile: { nodes: ProfileNode[] }, top: number): { frame: string; percent: number }[] {
  const hits = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const n = node.hitCount ?? 0;
    total += n;
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url.startsWith('file://') ? relative(process.cwd(), new URL(url).pathname) : url;
    const frame = `${functionName || '(anonymous)'} ${file}${file ? `:${lineNumber + 1}` : ''}`;
    hits.set(frame, (hits.get(frame) ?? 0) + n);
  }
  return [...hits]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([frame, n]) => ({ frame, percent: (100 * n) / total }));
}

/** Where a frame's code lives: a workspace package, an npm package, Node itself, or V8's own bucket. */
function owner(frame: string): string {
  const pkg = /(?:^| )packages\/([^/]+)\//.exec(frame) ?? /node_modules\/\.pnpm\/(@?[^@/]+)@/.exec(frame);
  if (pkg) return pkg[1]!;
  if (/ node:/.test(frame)) return 'node (runtime)';
  return frame.startsWith('(') ? frame.trim() : 'other';
}

/** Self time per owner (see {@link owner}), highest first. */
export function selfByOwner(profile: { nodes: ProfileNode[] }): { owner: string; percent: number }[] {
  const shares = new Map<string, number>();
  for (const { frame, percent } of topSelfFrames(profile, Number.POSITIVE_INFINITY)) {
    shares.set(owner(frame), (shares.get(owner(frame)) ?? 0) + percent);
  }
  return [...shares].sort((a, b) => b[1] - a[1]).map(([o, percent]) => ({ owner: o, percent }));
}

const [file, top = '15'] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile> [top]');
const profile = JSON.parse(await readFile(file, 'utf8'));
const print = (percent: number, what: string) => console.log(`${percent.toFixed(1).padStart(5)}%  ${what}`);
console.log('self time by frame:');
for (const { frame, percent } of topSelfFrames(profile, Number(top))) print(percent, frame);
console.log('self time by package:');
for (const { owner: o, percent } of selfByOwner(profile).slice(0, 10)) print(percent, o);
