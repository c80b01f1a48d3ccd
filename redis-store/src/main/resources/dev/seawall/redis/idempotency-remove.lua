-- Seawall's idempotency keys: remove a record only while the key still holds the expected one (compared byte for
-- byte), so that a request freeing its key never deletes a later request's record. One atomic call.
--
-- KEYS[1]  the key
-- ARGV[1]  the expected record
-- Returns: 1 when removed, else 0
if redis.pcall('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
