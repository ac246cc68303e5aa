import { BighubClient, type BighubClientOptions, BighubGate, type BighubGateOptions } from '@tollgate/bighub';
import { type Gate, GatedToolRunner } from '@tollgate/core';
import { GatedOpenAI, type GatedOpenAIOptions, type OpenAIApi } from '@tollgate/openai';
import type OpenAI from 'openai';

/** Options of the runner besides its gates (approval store, clock, tools…). */
type RunnerOptions = NonNullable<ConstructorParameters<typeof GatedToolRunner>[0]>;

/** How to reach BIGHUB: a client, or the client's options with the OpenAI SDK's spelling `baseURL`. */
export type BighubConnection = BighubClient | (Omit<BighubClientOptions, 'baseUrl'> & { baseURL?: string });

/** Options of {@link createBighubAgent}: the seed adapter's constructor arguments, plus tollgate's. */
export interface BighubAgentOptions {
  /** The OpenAI client (set `timeout` and `maxRetries` on it: the seed's provider timeout and retries). */
  client: OpenAI;
  /** BIGHUB: `{ apiKey, baseURL }` (default `https://api.bighub.io`) or a `BighubClient`. */
  bighub: BighubConnection;
  /** The agent's BIGHUB actor, e.g. `AI_AGENT_001`: the actor of calls whose context names none. */
  actor: string;
  /** The BIGHUB domain of every action, e.g. `financial_actions` (a tool's `gates.bighub.domain` overrides it). */
  domain?: string;
  /** The model of every run; `run({ model })` overrides it per run. */
  model: string;
  /** `responses` (default, as bighub-openai) or `chat`. */
  api?: OpenAIApi;
  /** Tools to register at once; map a tool to its BIGHUB action with `gates: { bighub: { valueFromArgs… } } }`. */
  tools?: RunnerOptions['tools'];
  /** Gates that run before BIGHUB (rate, budget, rule…): a call they refuse never costs a BIGHUB request. */
  gates?: readonly Gate[];
  /** The BIGHUB gate's other options: `mode` (`submit`, `submit_v2`, `evaluate`), `failMode`, `tools`, telemetry… */
  gate?: Omit<BighubGateOptions, 'client' | 'actor' | 'domain'>;
  /** The runner's other options: the approval store (`approvals`), `approvalTtlMs`, `clock`, `onDecision`… */
  runner?: Omit<RunnerOptions, 'gates' | 'tools'>;
  /** The adapter's other options: `maxToolRounds` (default 8, as the seed), `denyMessage`, `breaker`… */
  adapter?: Omit<GatedOpenAIOptions, 'client' | 'runner' | 'model' | 'api' | 'context'>;
}

/** What {@link createBighubAgent} returns: a `GatedOpenAI` whose runner has the BIGHUB gate wired in. */
export type BighubAgent = GatedOpenAI & {
  /** The BIGHUB gate: `stats()` for telemetry and the circuit, `flush()` before shutdown. */
  readonly bighub: BighubGate;
};

/**
 * The seed adapter's one-object setup (bighub-openai's `GuardedOpenAI(openai_api_key, bighub_api_key, actor,
 * domain)` and `run(messages, model)`) on tollgate: a {@link GatedToolRunner} with a {@link BighubGate} in the
 * decision stage (after any `gates` given), wrapped in a {@link GatedOpenAI} that runs the tool loop. Every run's
 * calls carry `actor` unless the run's `context` names another. Register tools with `tools` or
 * `agent.runner.register(...)`.
 * @throws BighubConfigError for a bad BIGHUB `baseURL` (plain http to a non-loopback host)
 * @throws TypeError for an empty `actor` or `model`, or what `GatedOpenAI` and the runner refuse
 */
export function createBighubAgent(options: BighubAgentOptions): BighubAgent {
  if (typeof options.actor !== 'string' || options.actor === '')
    throw new TypeError('`actor` must be a non-empty string');
  if (typeof options.model !== 'string' || options.model === '')
    throw new TypeError('`model` must be a non-empty string');
  const client = bighubClient(options.bighub);
  const gate = new BighubGate({ ...options.gate, client, actor: options.actor, domain: options.domain });
  const runner = new GatedToolRunner({
    ...options.runner,
    gates: [...(options.gates ?? []), gate],
    tools: options.tools,
  });
  const agent = new GatedOpenAI({
    ...options.adapter,
    client: options.client,
    runner,
    model: options.model,
    api: options.api ?? 'responses',
    context: { actor: options.actor },
  });
  return Object.assign(agent, { bighub: gate });
}

function bighubClient(connection: BighubConnection): BighubClient {
  if (connection instanceof BighubClient) return connection;
  const { baseURL, ...rest } = connection;
  return new BighubClient({ ...rest, ...(baseURL === undefined ? {} : { baseUrl: baseURL }) });
}
