-- Seawall's token bucket in Redis: one atomic call per decision (one round trip).
-- The arithmetic is Bucket4j's greedy refill: each bandwidth holds at most `capacity` tokens and gains
-- capacity/period tokens continuously; a request needs its cost in tokens from every bandwidth.
--
-- KEYS[1]  the bucket
-- ARGV[1]  tokens to take: the request's cost n (1 or more) to consume, -n to give n back (capped at capacity)
-- ARGV[2]  "now" in microseconds, or "" to use the Redis server's clock (one clock for every node)
-- ARGV[3..] capacity, period in microseconds, for each bandwidth
-- State:   "now,available1,available2,..." (microseconds, fractional tokens), expiring when full again.
-- Returns: {consumed 1|0, remaining whole tokens, microseconds to wait until the cost is there, microseconds to full}
local take = tonumber(ARGV[1])
local now = tonumber(ARGV[2])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local n = (#ARGV - 2) / 2
local cap, per, avail = {}, {}, {}
for i = 1, n do
  cap[i] = tonumber(ARGV[1 + 2 * i])
  per[i] = tonumber(ARGV[2 + 2 * i])
end
local raw = redis.call('GET', KEYS[1])
if raw then
  local parts = {}
  for p in string.gmatch(raw, '[^,]+') do
    parts[#parts + 1] = tonumber(p)
  end
  local elapsed = now - (parts[1] or now)
  if elapsed < 0 then
    elapsed = 0
  end
  for i = 1, n do
    local a = parts[i + 1] or cap[i]
    a = a + elapsed * cap[i] / per[i]
    if a > cap[i] then
      a = cap[i]
    end
    avail[i] = a
  end
else
  if take < 0 then
    return {1, cap[1], 0, 0}
  end
  for i = 1, n do
    avail[i] = cap[i]
  end
end
local ok = 1
local wait = 0
if take > 0 then
  for i = 1, n do
    if avail[i] < take then
      ok = 0
      local w = (take - avail[i]) * per[i] / cap[i]
      if w > wait then
        wait = w
      end
    end
  end
end
if ok == 1 then
  for i = 1, n do
    local a = avail[i] - take
    if a > cap[i] then
      a = cap[i]
    end
    avail[i] = a
  end
end
local remaining, full = nil, 0
for i = 1, n do
  local r = math.floor(avail[i])
  if remaining == nil or r < remaining then
    remaining = r
  end
  local f = (cap[i] - avail[i]) * per[i] / cap[i]
  if f > full then
    full = f
  end
end
if ok == 1 then
  local s = string.format('%.0f', now)
  for i = 1, n do
    s = s .. ',' .. string.format('%.17g', avail[i])
  end
  -- expires once it would be full again (plus a second), so idle clients leave nothing behind
  redis.call('SET', KEYS[1], s, 'PX', math.ceil(full / 1000) + 1000)
end
return {ok, remaining, math.ceil(wait), math.ceil(full)}
