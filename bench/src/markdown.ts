// Markdown helpers shared by the generated tables of docs/performance.md.

export const us = (n: number | undefined) =>
  n === undefined ? '' : n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : n.toFixed(0);
export const times = (n: number | undefined) => (n === undefined ? '' : `${n < 10 ? n.toFixed(2) : n.toFixed(0)}×`);
export const int = (n: number) => Math.round(n).toLocaleString('en');

export function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}
