import { EMULATOR_ENDPOINTS, type EmulatorRules, startBighubEmulator } from '@tollgate/bighub/emulator';
import { readJsonInput } from '../files.js';
import { CliError, type CliIo, ExitCode, errorText } from '../io.js';
import { isObject } from '../trace/format.js';

/** Options of `tollgate bighub-emulator`. */
export interface BighubEmulatorOptions {
  /** Port to listen on (default 0: any free port). */
  port?: string;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** JSON file with the emulator's rules. */
  rules?: string;
  /** Require this key on every request. */
  apiKey?: string;
}

/** Every rules field, checked at compile time against the emulator's type, so a misspelt key is refused. */
const RULE_KEYS = Object.keys({
  maxValue: true,
  requireApprovalAbove: true,
  blockedActions: true,
  requireContext: true,
  killSwitch: true,
  generation: true,
  enforcementMode: true,
  decision: true,
  latencyMs: true,
  faults: true,
} satisfies Record<keyof EmulatorRules, true>);

/**
 * `tollgate bighub-emulator`: starts @tollgate/bighub's local BIGHUB emulator, prints its URL on stdout, and
 * serves until `io.signal` aborts (Ctrl-C in a terminal). Throws {@link CliError} (exit 2) for a bad port or
 * rules file, or when the port cannot be bound.
 */
export async function bighubEmulatorCommand(options: BighubEmulatorOptions, io: CliIo): Promise<number> {
  const port = options.port === undefined ? 0 : Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new CliError(`--port must be an integer from 0 to 65535 (got "${options.port}")`);
  }
  const rules = options.rules ? await readRules(options.rules, io.cwd ?? process.cwd()) : undefined;
  const emulator = await startBighubEmulator({
    port,
    host: options.host ?? '127.0.0.1',
    ...(rules ? { rules } : {}),
    ...(options.apiKey ? { apiKey: options.apiKey } : {}),
  }).catch((err) => {
    throw new CliError(`The BIGHUB emulator could not start: ${errorText(err)}`);
  });
  io.stdout.write(`BIGHUB emulator listening on ${emulator.url}\n`);
  io.stderr.write(
    `Serves BIGHUB's ${EMULATOR_ENDPOINTS.length} endpoints: actions, rules, kill switch, events, approvals, API keys, auth, webhooks.\n` +
      'Local emulator for tests and development, not a security boundary. Press Ctrl-C to stop.\n',
  );
  await new Promise<void>((done) => {
    if (!io.signal || io.signal.aborted) return done();
    io.signal.addEventListener('abort', () => done(), { once: true });
  });
  await emulator.close();
  io.stderr.write('BIGHUB emulator stopped.\n');
  return ExitCode.ok;
}

async function readRules(path: string, cwd: string): Promise<EmulatorRules> {
  const rules = await readJsonInput(path, cwd, 'Rules file');
  if (!isObject(rules)) throw new CliError(`Rules file ${path} must hold a JSON object`);
  const unknown = Object.keys(rules).filter((k) => !RULE_KEYS.includes(k));
  if (unknown.length) {
    throw new CliError(`Rules file ${path}: unknown field(s) ${unknown.join(', ')}; known: ${RULE_KEYS.join(', ')}`);
  }
  return rules as EmulatorRules;
}
