-- Seawall's idempotency keys: claim a key, or read what holds it. One atomic call (one round trip).
--
-- KEYS[1]  the key: prefix .. 'idem:' .. policy .. ':' .. 32 hex digits of a keyed hash
-- ARGV[1]  the record to store (opaque bytes: the core's in-flight record)
-- ARGV[2]  its time to live in milliseconds (>= 1)
-- Returns: {1} when this call stored the record;
--          {0, held record, remaining milliseconds >= 1} when the key was taken. A key holding another type than a
--          string is no record of Seawall's: it reads as an empty record, which the core never replays.
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return {1}
end
local held = redis.pcall('GET', KEYS[1])
if type(held) ~= 'string' then
  held = ''
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 1 then
  -- -1: a key without expiry (not written by Seawall); it holds until someone deletes it
  ttl = 1
end
return {0, held, ttl}
