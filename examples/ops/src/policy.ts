import { BighubGate, type BighubToolOptions } from '@tollgate/bighub';
import type { EmulatorRules } from '@tollgate/bighub/emulator';
import { GatedToolRunner } from '@tollgate/core';
import { ThrottleGate } from '@tollgate/rate';

/**
 * What the emulated BIGHUB decides for this team (the second bighub-openai seed's scenario): access grants
 * longer than 8 h need review and longer than 72 h are refused, and a deploy needs a change ticket in its
 * context. Answers come in the newest ("Better Decision") shape.
 */
export const OPS_RULES: EmulatorRules = {
  requireApprovalAbove: 8,
  maxValue: 72,
  requireContext: { deploy: ['change_ticket'] },
  generation: 'better_decision',
};

/** What `grant_access` receives. */
export interface GrantArgs {
  /** Who gets the access. */
  user_id: string;
  /** The Okta group. */
  group: string;
  /** For how long, in hours (BIGHUB's `value`). */
  duration_hours: number;
}

/** What `deploy` receives. */
export interface DeployArgs {
  /** The service to deploy. */
  service: string;
  /** Where; production deploys run one at a time. */
  environment: 'staging' | 'production';
  /** The version, `x.y.z`. */
  version: string;
  /** The change ticket, `CHG-…`, which BIGHUB requires. */
  change_ticket?: string;
}

/** Options for {@link opsRunner}. */
export interface OpsRunnerOptions {
  /** BIGHUB's base URL: the emulator's, or the real API's. */
  bighubUrl: string;
  /** BIGHUB API key, if the server needs one. */
  bighubApiKey?: string;
  /** How long the stand-in deploy takes, ms (default 200): long enough for a second deploy to queue. */
  deployMs?: number;
}

/** The ops runner, its BIGHUB gate, and what the stand-in tools did, in order. */
export interface OpsRunner {
  /** The runner holding both tools. */
  runner: GatedToolRunner;
  /** The BIGHUB gate (for `flush()` and `stats()`). */
  bighub: BighubGate;
  /** `grant <user> <group> <h>h`, `start <service>@<env>`, `end <service>@<env>`, as they happened. */
  log: string[];
}

/**
 * `grant_access` and `deploy`, each carrying system, risk and environment metadata (bighub-openai's
 * `action(system=, risk=, environment=)`), decided by BIGHUB in the `decision` stage. A `ThrottleGate` lets
 * one production deploy run at a time: a second one waits for the slot (up to 30 s) instead of overlapping.
 */
export function opsRunner(options: OpsRunnerOptions): OpsRunner {
  const grant: BighubToolOptions = {
    actionName: 'okta_grant_access',
    system: 'okta',
    risk: 'high',
    environment: 'production',
    valueFromArgs: (a) => Number(a.duration_hours),
    targetFromArgs: (a) => String(a.user_id),
  };
  const deploy: BighubToolOptions = {
    actionName: 'deploy',
    system: 'argocd',
    metadataFromArgs: (a) => ({
      environment: a.environment,
      risk: a.environment === 'production' ? 'high' : 'medium',
      change_ticket: a.change_ticket,
    }),
    targetFromArgs: (a) => String(a.service),
  };
  const bighub = new BighubGate({
    client: { baseUrl: options.bighubUrl, apiKey: options.bighubApiKey, timeoutMs: 5_000, retry: { retries: 1 } },
    domain: 'it_actions',
    actor: 'ops-agent',
    tools: { grant_access: grant, deploy },
    exposeToModel: ['better_action'],
  });
  const productionDeploys = new ThrottleGate({
    name: 'production-deploys',
    maxConcurrent: 1,
    maxWaitMs: 30_000,
    // Only production shares one slot; every other deploy gets a key of its own, so it never waits.
    key: (ctx) => (ctx.args.environment === 'production' ? 'production' : ctx.callId),
  });
  const log: string[] = [];
  const deployMs = options.deployMs ?? 200;
  const runner = new GatedToolRunner({ gates: [bighub] });
  runner.register<GrantArgs, Record<string, unknown>>({
    name: 'grant_access',
    description: 'Grant a user temporary membership of an Okta group.',
    parameters: {
      type: 'object',
      properties: {
        user_id: { type: 'string', minLength: 1 },
        group: { type: 'string', minLength: 1 },
        duration_hours: { type: 'integer', minimum: 1, maximum: 720 },
      },
      required: ['user_id', 'group', 'duration_hours'],
      additionalProperties: false,
    },
    handler: (a) => {
      log.push(`grant ${a.user_id} ${a.group} ${a.duration_hours}h`);
      return { ok: true, user_id: a.user_id, group: a.group, expires_in_hours: a.duration_hours };
    },
  });
  runner.register<DeployArgs, Record<string, unknown>>({
    name: 'deploy',
    description: 'Deploy a version of a service with Argo CD.',
    parameters: {
      type: 'object',
      properties: {
        service: { type: 'string', minLength: 1 },
        environment: { type: 'string', enum: ['staging', 'production'] },
        version: { type: 'string', pattern: '^\\d+\\.\\d+\\.\\d+$' },
        change_ticket: { type: 'string', pattern: '^CHG-\\d+$' },
      },
      required: ['service', 'environment', 'version'],
      additionalProperties: false,
    },
    use: [productionDeploys],
    handler: async (a) => {
      const at = `${a.service}@${a.environment}`;
      log.push(`start ${at}`);
      await new Promise((resolve) => setTimeout(resolve, deployMs));
      log.push(`end ${at}`);
      return { ok: true, service: a.service, version: a.version, environment: a.environment };
    },
  });
  return { runner, bighub, log };
}
