-- The fleet-wide record of one shared circuit breaker, and every change of it, atomically.
-- KEYS[1] the record "generation:phase" (phase 0 closed, 1 open, 2 forced open); KEYS[2] the probe permits taken of
-- an open generation; KEYS[3] the probe results of that generation (hash: n results, f failed). The three keys share
-- one hash tag, so they live in one Redis Cluster slot.
-- ARGV[1] operation, ARGV[2] the channel, ARGV[3] the breaker's name, then the operation's arguments.
-- Returns {generation, phase} after the operation, and for "probe" a third element: 1 granted, 0 refused.
-- Every change writes the next generation and publishes "name generation phase" on the channel.
local v = redis.call('GET', KEYS[1])
local gen, phase = 0, 0
if v then
  local sep = string.find(v, ':', 1, true)
  gen = tonumber(string.sub(v, 1, sep - 1))
  phase = tonumber(string.sub(v, sep + 1))
end

local function write(p)
  gen = gen + 1
  phase = p
  redis.call('SET', KEYS[1], gen .. ':' .. phase)
  redis.call('PUBLISH', ARGV[2], ARGV[3] .. ' ' .. gen .. ' ' .. phase)
  return {gen, phase}
end

local op = ARGV[1]
if op == 'open' then
  -- ARGV[4] the closed generation the node's window judged
  if phase == 0 and gen == tonumber(ARGV[4]) then
    return write(1)
  end
elseif op == 'force' then
  -- ARGV[4] the phase an operator forced
  return write(tonumber(ARGV[4]))
elseif op == 'probe' then
  -- ARGV[4] the open generation, ARGV[5] the permits per generation, ARGV[6] the permits' lease in ms
  if phase ~= 1 or gen ~= tonumber(ARGV[4]) then
    return {gen, phase, 0}
  end
  local taken = redis.call('INCR', KEYS[2])
  if taken == 1 then
    redis.call('PEXPIRE', KEYS[2], ARGV[6])
  end
  if taken > tonumber(ARGV[5]) then
    redis.call('DECR', KEYS[2])
    return {gen, phase, 0}
  end
  return {gen, phase, 1}
elseif op == 'release' then
  -- ARGV[4] the open generation
  if phase == 1 and gen == tonumber(ARGV[4]) then
    local taken = tonumber(redis.call('GET', KEYS[2]) or '0')
    if taken > 0 then
      redis.call('DECR', KEYS[2])
    end
  end
elseif op == 'result' then
  -- ARGV[4] the open generation, ARGV[5] 1 failed / 0 succeeded, ARGV[6] results that decide,
  -- ARGV[7] the failure rate in percent that reopens, ARGV[8] how long the results are kept, in ms
  if phase == 1 and gen == tonumber(ARGV[4]) then
    local n = redis.call('HINCRBY', KEYS[3], 'n', 1)
    local f = redis.call('HINCRBY', KEYS[3], 'f', tonumber(ARGV[5]))
    redis.call('PEXPIRE', KEYS[3], ARGV[8])
    if n >= tonumber(ARGV[6]) then
      redis.call('DEL', KEYS[2], KEYS[3])
      if f * 100 >= tonumber(ARGV[7]) * n then
        return write(1)
      end
      return write(0)
    end
  end
end
return {gen, phase}
