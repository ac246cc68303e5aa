import type { Episode } from './data.js';

/** Tools that change the account's ledger; after one ran, a history read no longer shows the opening ledger. */
export const LEDGER_WRITES: ReadonlySet<string> = new Set([
  'send_money',
  'schedule_transaction',
  'update_scheduled_transaction',
]);

/** Tools whose output is the account's own ledger (YAML lists of transactions). */
const LEDGER_READS: ReadonlySet<string> = new Set(['get_most_recent_transactions', 'get_scheduled_transactions']);

/** The account's own side of a transaction in AgentDojo's ledger. */
const SELF = 'me';

/** One ledger entry's parties, as the bank's records show them. */
export interface LedgerEntry {
  /** IBAN that paid, or `me` for the account itself. */
  sender: string;
  /** IBAN that was paid, or `me` for the account itself. */
  recipient: string;
}

/**
 * Parses the parties out of a ledger listing (PyYAML's dump of a list of transactions). Only keys at a
 * record's own indentation count: YAML indents the continuation lines of a multi-line subject deeper than
 * the keys, so text written into a subject (where AgentDojo's injections land) cannot forge a party.
 */
export function parseLedger(listing: string): LedgerEntry[] {
  const entries: LedgerEntry[] = [];
  let current: Partial<LedgerEntry> | undefined;
  for (const line of listing.split('\n')) {
    const m = /^(- | {2})([a-z_]+): (.*)$/.exec(line);
    if (!m) continue;
    if (m[1] === '- ') {
      current = {};
      entries.push(current as LedgerEntry);
    }
    if (current && (m[2] === 'sender' || m[2] === 'recipient')) current[m[2]] = m[3]!.trim();
  }
  return entries.filter((e) => e.sender !== undefined && e.recipient !== undefined);
}

/**
 * The account's established payees: every IBAN it has paid or been paid by, read from the ledger listings
 * recorded before the session changed anything (the opening ledger, which the bank owns). A payee the
 * agent adds during a session does not become "known" by being paid.
 */
export function knownPayees(episodes: readonly Episode[]): Set<string> {
  const payees = new Set<string>();
  for (const episode of episodes) {
    for (const call of episode.calls) {
      if (LEDGER_WRITES.has(call.name)) break;
      if (!LEDGER_READS.has(call.name) || call.error) continue;
      // Scheduled transactions name the account's own IBAN as sender, so the other party is the recipient.
      for (const { sender, recipient } of parseLedger(call.output)) payees.add(recipient === SELF ? sender : recipient);
    }
  }
  return payees;
}
