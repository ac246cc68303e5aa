// Lua for RedisApprovalStore. A record is a hash {json, status, v (version), expiresAt}; the pending index
// is a sorted set of ids scored by createdAt. Times are epoch ms.

/**
 * Create. KEYS: record, pending index. ARGV: json, expiresAt, delete-at (expiresAt + retain), createdAt, id.
 * Returns 1, or 0 when the id exists.
 */
export const CREATE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'json', ARGV[1], 'status', 'pending', 'v', '1', 'expiresAt', ARGV[2])
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[5])
return 1
`;

/**
 * Transition: compare-and-set on the version read by the caller, refused server-side once expired. A record that
 * stays `pending` (one approval of several) stays in the pending index.
 * KEYS: record, pending index. ARGV: expected version, new json, new status, now, id.
 * Returns 'ok', 'missing', 'conflict' (someone else changed it first) or 'expired'.
 */
export const TRANSITION = `
local v = redis.call('HGET', KEYS[1], 'v')
if not v then return 'missing' end
if v ~= ARGV[1] then return 'conflict' end
if tonumber(ARGV[4]) >= tonumber(redis.call('HGET', KEYS[1], 'expiresAt')) then return 'expired' end
redis.call('HSET', KEYS[1], 'json', ARGV[2], 'status', ARGV[3], 'v', tostring(tonumber(v) + 1))
if ARGV[3] ~= 'pending' then redis.call('ZREM', KEYS[2], ARGV[5]) end
return 'ok'
`;
