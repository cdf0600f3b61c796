-- Looks up an Idempotency-Key. KEYS[1] is a hash {s = "f" (in flight) | "d"
-- (done), fp, st, b}. ARGV: fingerprint, in-flight TTL in ms.
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], 's', 'f', 'fp', ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {'new'}
end
local h = redis.call('HMGET', KEYS[1], 's', 'fp', 'st', 'b')
if h[2] ~= ARGV[1] then return {'mismatch'} end
if h[1] ~= 'd' then return {'inflight'} end
return {'done', h[3], h[4]}
