// Counts Redis round trips from an ioredis client's own command stream, instead of estimating them.
import type { Redis } from 'ioredis';

/** Round trips and commands a client sent since the counter was created or last reset. */
export interface RoundTripCounter {
  /** Round trips: a lone command is one; a pipeline or MULTI/EXEC, however many commands, is one. */
  readonly roundTrips: number;
  /** Commands sent, by name (e.g. `evalsha`), pipelined ones included. */
  readonly commands: ReadonlyMap<string, number>;
  reset(): void;
}

/**
 * Wraps `client.sendCommand`, the one method every ioredis command goes through. ioredis hands a pipeline's
 * (and a MULTI's) commands to `sendCommand` with a shared pipeline stream object and writes them to the
 * socket together, so each distinct stream object is one round trip.
 */
export function countRoundTrips(client: Redis): RoundTripCounter {
  let roundTrips = 0;
  const commands = new Map<string, number>();
  let pipelines = new WeakSet<object>();
  const send = client.sendCommand.bind(client);
  client.sendCommand = ((command: { name: string }, stream?: object, node?: unknown) => {
    commands.set(command.name, (commands.get(command.name) ?? 0) + 1);
    if (!stream) roundTrips++;
    else if (!pipelines.has(stream)) {
      pipelines.add(stream);
      roundTrips++;
    }
    return (send as (...a: unknown[]) => unknown)(command, stream, node);
  }) as Redis['sendCommand'];
  return {
    get roundTrips() {
      return roundTrips;
    },
    commands,
    reset() {
      roundTrips = 0;
      commands.clear();
      pipelines = new WeakSet();
    },
  };
}
