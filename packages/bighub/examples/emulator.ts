/**
 * Starts a local BIGHUB for offline development:
 *   node --conditions=@tollgate/source --import tsx packages/bighub/examples/emulator.ts
 * Port from BIGHUB_EMULATOR_PORT (default 8787); response generation from BIGHUB_EMULATOR_GENERATION
 * (legacy | recommendation | better_decision). Ctrl-C stops it.
 */
import { type ResponseGeneration, startBighubEmulator } from '@tollgate/bighub/emulator';

const emulator = await startBighubEmulator({
  port: Number(process.env.BIGHUB_EMULATOR_PORT ?? 8787),
  rules: {
    maxValue: 10_000,
    requireApprovalAbove: 1_000,
    blockedActions: ['delete_database'],
    generation: (process.env.BIGHUB_EMULATOR_GENERATION as ResponseGeneration | undefined) ?? 'better_decision',
  },
});
console.log(`BIGHUB emulator listening on ${emulator.url}`);
console.log('Rules: value > 1000 needs approval, value > 10000 is blocked, delete_database is blocked.');
process.once('SIGINT', () => {
  emulator.close().then(() => process.exit(0));
});
