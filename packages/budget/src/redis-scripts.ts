// Lua for RedisBudgetStore. Amounts are integer minor units carried as STRINGS: Redis's Lua 5.1 prints
// numbers with "%.14g", so a number handed back to redis.call or returned would lose digits past 14.
// Comparisons use tonumber() and are exact because every value stays below 2^53. Times are epoch ms.

const PRELUDE = `
local function int(n) return string.format('%.0f', n) end

local function clock(arg)
  local t = tonumber(arg)
  if t >= 0 then return t end
  local s = redis.call('TIME')
  return tonumber(s[1]) * 1000 + math.floor(tonumber(s[2]) / 1000)
end

-- Ledger h as of now: {window start (-1 lifetime), spent, held, changed}. Rolls to the window holding now (never
-- back) and gives back the holds whose TTL passed; changed is true when that must be written.
local function ledger(h, z, now, win)
  local v = redis.call('HMGET', h, 'w', 'spent', 'held')
  local w, spent, held, changed = tonumber(v[1] or '-1'), tonumber(v[2] or '0'), tonumber(v[3] or '0'), false
  if win > 0 then
    local start = now - (now % win)
    if start > w then w, spent, changed = start, 0, true end
  else
    w = -1
  end
  local gone = redis.call('ZRANGEBYSCORE', z, '-inf', int(now))
  if #gone > 0 then
    for _, id in ipairs(gone) do
      held = held - tonumber(redis.call('HGET', h, 'h:' .. id) or '0')
      redis.call('HDEL', h, 'h:' .. id)
    end
    redis.call('ZREMRANGEBYSCORE', z, '-inf', int(now))
    changed = true
  end
  return {w, spent, held, changed}
end

-- Writes a ledger's figures. A windowed ledger lives until its window ends plus one hold TTL: the expiry is set
-- when the window rolls (l[4]), which is also when a new ledger is first written.
local function save(h, l, win, ttl, ...)
  if win > 0 then
    redis.call('HSET', h, 'w', int(l[1]), 'spent', int(l[2]), 'held', int(l[3]), ...)
    if l[4] then redis.call('PEXPIREAT', h, int(l[1] + win + ttl)) end
  else
    redis.call('HSET', h, 'spent', int(l[2]), 'held', int(l[3]), ...)
  end
end
`;

/**
 * Reserve. KEYS: per line, ledger hash then holds zset. ARGV: now (-1 = server TIME), reservation id,
 * ttl ms, line count, then per line: max, window ms (0 = lifetime), amount.
 * Returns {ok, blocked line (1-based, 0 if none), now, then per line: spent, held, window start}.
 * A reservation id already held (a retried reserve) is not held twice.
 */
export const RESERVE = `${PRELUDE}
local now, id, ttl, n = clock(ARGV[1]), ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local out, blocked, ls = {}, 0, {}
for i = 1, n do
  local h, z, b = KEYS[2 * i - 1], KEYS[2 * i], 4 + 3 * (i - 1)
  local l = ledger(h, z, now, tonumber(ARGV[b + 2]))
  ls[i] = l
  if blocked == 0 and tonumber(ARGV[b + 3]) > tonumber(ARGV[b + 1]) - l[2] - l[3] then blocked = i end
  out[#out + 1] = int(l[2])
  out[#out + 1] = int(l[3])
  out[#out + 1] = int(l[1])
end
for i = 1, n do
  local h, z, b = KEYS[2 * i - 1], KEYS[2 * i], 4 + 3 * (i - 1)
  local win, l = tonumber(ARGV[b + 2]), ls[i]
  if blocked == 0 then
    local amt = ARGV[b + 3]
    if redis.call('ZADD', z, int(now + ttl), id) == 1 then
      l[3] = l[3] + tonumber(amt)
      save(h, l, win, ttl, 'h:' .. id, amt)
      if win > 0 then redis.call('PEXPIREAT', z, int(l[1] + win + ttl)) end
    end
  elseif l[4] then
    save(h, l, win, ttl)
  end
end
return {blocked == 0 and 1 or 0, blocked, int(now), unpack(out)}
`;

/**
 * Peek: the reserve answer without writing. ARGV: now, line count, then per line: max, window ms, amount.
 */
export const PEEK = `${PRELUDE}
local now, n = clock(ARGV[1]), tonumber(ARGV[2])
local out, blocked = {}, 0
for i = 1, n do
  local h, z, b = KEYS[2 * i - 1], KEYS[2 * i], 2 + 3 * (i - 1)
  local win = tonumber(ARGV[b + 2])
  local v = redis.call('HMGET', h, 'w', 'spent', 'held')
  local w, spent, held = tonumber(v[1] or '-1'), tonumber(v[2] or '0'), tonumber(v[3] or '0')
  if win > 0 then
    local start = now - (now % win)
    if start > w then w, spent = start, 0 end
  else
    w = -1
  end
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', z, '-inf', int(now))) do
    held = held - tonumber(redis.call('HGET', h, 'h:' .. id) or '0')
  end
  if blocked == 0 and tonumber(ARGV[b + 3]) > tonumber(ARGV[b + 1]) - spent - held then blocked = i end
  out[#out + 1] = int(spent)
  out[#out + 1] = int(held)
  out[#out + 1] = int(w)
end
return {blocked == 0 and 1 or 0, blocked, int(now), unpack(out)}
`;

/**
 * Commit. KEYS as for reserve. ARGV: now, reservation id, ttl ms, line count, retry (1 when an earlier attempt may
 * have applied), then per line: window ms, amount. A line whose hold is gone is charged anyway (late: its TTL
 * passed), except on a retry, where a missing hold means the earlier attempt committed it.
 * Returns per line: spent, held, window start, late (1 when the hold was gone).
 */
export const COMMIT = `${PRELUDE}
local now, id, ttl, n, retry = clock(ARGV[1]), ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5] == '1'
local out = {}
for i = 1, n do
  local h, z, b = KEYS[2 * i - 1], KEYS[2 * i], 5 + 2 * (i - 1)
  local win, amt = tonumber(ARGV[b + 1]), tonumber(ARGV[b + 2])
  local v = redis.call('HMGET', h, 'w', 'spent', 'held', 'h:' .. id)
  local w, spent, held = tonumber(v[1] or '-1'), tonumber(v[2] or '0'), tonumber(v[3] or '0')
  local l = {w, spent, held, false}
  if win > 0 then
    local start = now - (now % win)
    if start > w then l[1], l[2], l[4] = start, 0, true end
  else
    l[1] = -1
  end
  local hold = v[4]
  if hold then
    l[3] = l[3] - tonumber(hold)
    redis.call('HDEL', h, 'h:' .. id)
    redis.call('ZREM', z, id)
  end
  if hold or not retry then l[2] = l[2] + amt end
  if l[4] then save(h, l, win, ttl) else redis.call('HSET', h, 'spent', int(l[2]), 'held', int(l[3])) end
  out[#out + 1] = int(l[2])
  out[#out + 1] = int(l[3])
  out[#out + 1] = int(l[1])
  out[#out + 1] = hold and '0' or '1'
end
return out
`;

/** Release. KEYS as for reserve. ARGV: reservation id. Holds already gone are ignored. */
export const RELEASE = `
local id = ARGV[1]
for i = 1, #KEYS / 2 do
  local h = KEYS[2 * i - 1]
  local hold = redis.call('HGET', h, 'h:' .. id)
  if hold then
    if hold ~= '0' then redis.call('HINCRBY', h, 'held', '-' .. hold) end
    redis.call('HDEL', h, 'h:' .. id)
    redis.call('ZREM', KEYS[2 * i], id)
  end
end
return 1
`;
