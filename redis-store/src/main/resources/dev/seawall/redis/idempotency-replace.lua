-- Seawall's idempotency keys: replace a record only while the key still holds the expected one (compared byte for
-- byte), so that a request whose lease ran out never overwrites what a later request stored. One atomic call.
--
-- KEYS[1]  the key
-- ARGV[1]  the expected record
-- ARGV[2]  the new record
-- ARGV[3]  the new record's time to live in milliseconds (>= 1)
-- Returns: 1 when replaced, else 0
if redis.pcall('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0
