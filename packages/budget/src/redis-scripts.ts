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

-- Removes reservation id's hold from ledger h; returns the amount it held, or false when it was gone.
local function unhold(h, z, id)
  local hold = redis.call('HGET', h, 'h:' .. id)
  if hold then
    if hold ~= '0' then redis.call('HINCRBY', h, 'held', '-' .. hold) end
    redis.call('HDEL', h, 'h:' .. id)
    redis.call('ZREM', z, id)
  end
  return hold
end

-- Rolls the ledger h to the window holding now (never back) and gives back holds whose TTL passed.
-- Returns the window start, or -1 for a lifetime ledger.
local function prepare(h, z, now, win)
  local w = -1
  if win > 0 then
    w = tonumber(redis.call('HGET', h, 'w') or '-1')
    local start = now - (now % win)
    if start > w then
      w = start
      redis.call('HSET', h, 'w', int(w), 'spent', '0')
    end
  end
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', z, '-inf', int(now))) do unhold(h, z, id) end
  return w
end

-- A windowed ledger lives until its window ends plus one hold TTL; a lifetime ledger never expires.
local function keep(h, z, w, win, ttl)
  if win > 0 then
    local at = int(w + win + ttl)
    redis.call('PEXPIREAT', h, at)
    redis.call('PEXPIREAT', z, at)
  end
end
`;

/**
 * Reserve. KEYS: per line, ledger hash then holds zset. ARGV: now (-1 = server TIME), reservation id,
 * ttl ms, line count, then per line: max, window ms (0 = lifetime), amount.
 * Returns {ok, blocked line (1-based, 0 if none), now, then per line: spent, held, window start}.
 */
export const RESERVE = `${PRELUDE}
local now, id, ttl, n = clock(ARGV[1]), ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local out, blocked, wins = {}, 0, {}
for i = 1, n do
  local h, z, b = KEYS[2 * i - 1], KEYS[2 * i], 4 + 3 * (i - 1)
  local win = tonumber(ARGV[b + 2])
  wins[i] = prepare(h, z, now, win)
  local spent = redis.call('HGET', h, 'spent') or '0'
  local held = redis.call('HGET', h, 'held') or '0'
  if blocked == 0 and tonumber(ARGV[b + 3]) > tonumber(ARGV[b + 1]) - tonumber(spent) - tonumber(held) then
    blocked = i
  end
  out[#out + 1] = spent
  out[#out + 1] = held
  out[#out + 1] = int(wins[i])
end
for i = 1, n do
  local h, z, b = KEYS[2 * i - 1], KEYS[2 * i], 4 + 3 * (i - 1)
  if blocked == 0 then
    local amt = ARGV[b + 3]
    if amt ~= '0' then redis.call('HINCRBY', h, 'held', amt) end
    redis.call('HSET', h, 'h:' .. id, amt)
    redis.call('ZADD', z, int(now + ttl), id)
  end
  -- Also when refused: prepare may have just created the ledger, which must not outlive its window.
  keep(h, z, wins[i], tonumber(ARGV[b + 2]), ttl)
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
  local w = -1
  local spent = redis.call('HGET', h, 'spent') or '0'
  if win > 0 then
    w = tonumber(redis.call('HGET', h, 'w') or '-1')
    local start = now - (now % win)
    if start > w then w, spent = start, '0' end
  end
  local held = tonumber(redis.call('HGET', h, 'held') or '0')
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', z, '-inf', int(now))) do
    held = held - tonumber(redis.call('HGET', h, 'h:' .. id) or '0')
  end
  if blocked == 0 and tonumber(ARGV[b + 3]) > tonumber(ARGV[b + 1]) - tonumber(spent) - held then blocked = i end
  out[#out + 1] = spent
  out[#out + 1] = int(held)
  out[#out + 1] = int(w)
end
return {blocked == 0 and 1 or 0, blocked, int(now), unpack(out)}
`;

/**
 * Commit. KEYS as for reserve. ARGV: now, reservation id, ttl ms, line count, then per line: window ms, amount.
 * Returns per line: spent, held, window start, late (1 when the hold was gone).
 */
export const COMMIT = `${PRELUDE}
local now, id, ttl, n = clock(ARGV[1]), ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local out = {}
for i = 1, n do
  local h, z, b = KEYS[2 * i - 1], KEYS[2 * i], 4 + 2 * (i - 1)
  local win, amt = tonumber(ARGV[b + 1]), ARGV[b + 2]
  local w = prepare(h, z, now, win)
  local hold = unhold(h, z, id)
  if amt ~= '0' then redis.call('HINCRBY', h, 'spent', amt) end
  keep(h, z, w, win, ttl)
  out[#out + 1] = redis.call('HGET', h, 'spent') or '0'
  out[#out + 1] = redis.call('HGET', h, 'held') or '0'
  out[#out + 1] = int(w)
  out[#out + 1] = hold and '0' or '1'
end
return out
`;

/** Release. KEYS as for reserve. ARGV: reservation id. Holds already gone are ignored. */
export const RELEASE = `${PRELUDE}
for i = 1, #KEYS / 2 do unhold(KEYS[2 * i - 1], KEYS[2 * i], ARGV[1]) end
return 1
`;
