// Counts Redis round trips from an ioredis client's own command stream, instead of estimating them.
import type { Redis } from 'ioredis';

/** Round trips and commands a client sent since the counter was created or last reset. */
export interface RoundTripCounter {
  /** Round trips: a lone command is one; a pipeline or MULTI/EXEC, however many commands, is one. */
  readonly roundTrips: number;
  /** Of those, round trips whose every command is an EVALSHA of an off-path script (e.g. a budget commit). */
  readonly offPath: number;
  /** Commands sent, by name (e.g. `evalsha`), pipelined ones included. */
  readonly commands: ReadonlyMap<string, number>;
  reset(): void;
}

/**
 * Wraps `client.sendCommand`, the one method every ioredis command goes through. ioredis hands a pipeline's
 * (and a MULTI's) commands to `sendCommand` with a shared pipeline stream object and writes them to the
 * socket together, so each distinct stream object is one round trip.
 */
export function countRoundTrips(client: Redis, offPathShas: readonly string[] = []): RoundTripCounter {
  let roundTrips = 0;
  const commands = new Map<string, number>();
  // Per round trip (a lone command, or a pipeline's stream): whether all its commands so far are off-path.
  let trips: { offPath: boolean }[] = [];
  let pipelines = new WeakMap<object, { offPath: boolean }>();
  const send = client.sendCommand.bind(client);
  client.sendCommand = ((command: { name: string; args: unknown[] }, stream?: object, node?: unknown) => {
    commands.set(command.name, (commands.get(command.name) ?? 0) + 1);
    const off = command.name === 'evalsha' && offPathShas.includes(String(command.args[0]));
    let trip = stream ? pipelines.get(stream) : undefined;
    if (!trip) {
      trip = { offPath: true };
      trips.push(trip);
      if (stream) pipelines.set(stream, trip);
      roundTrips++;
    }
    if (!off) trip.offPath = false;
    return (send as (...a: unknown[]) => unknown)(command, stream, node);
  }) as Redis['sendCommand'];
  return {
    get roundTrips() {
      return roundTrips;
    },
    get offPath() {
      return trips.filter((t) => t.offPath).length;
    },
    commands,
    reset() {
      roundTrips = 0;
      trips = [];
      commands.clear();
      pipelines = new WeakMap();
    },
  };
}
