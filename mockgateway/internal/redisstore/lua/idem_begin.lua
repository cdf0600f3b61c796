-- Looks up an Idempotency-Key. KEYS[1] is a hash {s = "f" (in flight) | "d"
-- (done), fp, st, b}. ARGV: fingerprint, TTL in ms, mode. When the key is
-- free, mode "begin" marks it in flight for the TTL, "put" keeps the answer
-- ARGV[4] (status), ARGV[5] (body) for the TTL, "peek" changes nothing.
if redis.call('EXISTS', KEYS[1]) == 0 then
  if ARGV[3] == 'put' then
    redis.call('HSET', KEYS[1], 's', 'd', 'fp', ARGV[1], 'st', ARGV[4], 'b', ARGV[5])
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
  elseif ARGV[3] ~= 'peek' then
    redis.call('HSET', KEYS[1], 's', 'f', 'fp', ARGV[1])
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
  end
  return {'new'}
end
local h = redis.call('HMGET', KEYS[1], 's', 'fp', 'st', 'b')
if h[2] ~= ARGV[1] then return {'mismatch'} end
if h[1] ~= 'd' then return {'inflight'} end
return {'done', h[3], h[4]}
