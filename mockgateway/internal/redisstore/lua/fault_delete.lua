-- Deletes a fault rule: KEYS[1] its hash, KEYS[2] the list, KEYS[3] the
-- version. ARGV[1] is its id, ARGV[2] the changes channel. Returns 0 when
-- there was no such rule.
local n = redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
if n == 1 then
  redis.call('INCR', KEYS[3])
  redis.call('PUBLISH', ARGV[2], '1')
end
return n
