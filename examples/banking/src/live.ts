// node --conditions=@tollgate/source --import tsx examples/banking/src/live.ts --redis redis://127.0.0.1:6379 --audit agent.jsonl
// The banking agent with its approvals in Redis, waiting for the review console (`tollgate console`) to decide.
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { LIVE_EPISODES, runLiveAgent } from './live-agent.js';

const { values } = parseArgs({
  options: {
    redis: { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
    prefix: { type: 'string' },
    audit: { type: 'string', default: 'banking-agent-audit.jsonl' },
    episode: { type: 'string', multiple: true },
    'approval-ttl-ms': { type: 'string' },
  },
});
const redis = new Redis(values.redis!, {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  commandTimeout: 2_000,
  lazyConnect: true,
});
try {
  await redis.connect();
  await runLiveAgent({
    redis,
    auditFile: values.audit!,
    episodes: values.episode ?? LIVE_EPISODES,
    ...(values.prefix ? { prefix: values.prefix } : {}),
    ...(values['approval-ttl-ms'] ? { approvalTtlMs: Number(values['approval-ttl-ms']) } : {}),
    onEvent: (event) => console.log(JSON.stringify(event)),
  });
} catch (err) {
  console.error(`The live agent failed: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  redis.disconnect();
}
