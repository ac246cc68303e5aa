// What the numbers were measured on: they mean little without it.
import { cpus, freemem, loadavg, totalmem, type } from 'node:os';

/** The machine and runtime of a run. */
export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  os: string;
  /** 1-minute load average when the run started and ended: other work on the machine skews every figure. */
  loadAverage: { start: number; end?: number };
  freeMemoryGiB: number;
}

/** Reads the machine now; call {@link finishMachine} at the end of the run. */
export function describeMachine(): Machine {
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    os: `${type()} ${process.arch}`,
    loadAverage: { start: round(loadavg()[0]!) },
    freeMemoryGiB: Math.round(freemem() / 2 ** 30),
  };
}

/** Records the load average at the end of the run. */
export function finishMachine(machine: Machine): void {
  machine.loadAverage.end = round(loadavg()[0]!);
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
