-- Looks up an Idempotency-Key. KEYS[1] is a hash {s = "f" (in flight) | "d"
-- (done), fp, st, b, tk}. ARGV: fingerprint, TTL in ms, mode. When the key is
-- free, mode "begin" marks it in flight for the TTL under the call's token
-- ARGV[4], "put" keeps the answer ARGV[4] (status), ARGV[5] (body) for the
-- TTL, "peek" changes nothing.
if redis.call('EXISTS', KEYS[1]) == 0 then
  if ARGV[3] == 'put' then
    redis.call('HSET', KEYS[1], 's', 'd', 'fp', ARGV[1], 'st', ARGV[4], 'b', ARGV[5])
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
  elseif ARGV[3] ~= 'peek' then
    redis.call('HSET', KEYS[1], 's', 'f', 'fp', ARGV[1], 'tk', ARGV[4])
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
  end
  return {'new'}
end
local h = redis.call('HMGET', KEYS[1], 's', 'fp', 'st', 'b', 'tk')
if h[2] ~= ARGV[1] then return {'mismatch'} end
if h[1] ~= 'd' then
  -- In flight under this very call's token: the client sent the begin again
  -- after a reply it did not get in time. The mark is its own.
  if ARGV[3] == 'begin' and h[5] == ARGV[4] then return {'new'} end
  return {'inflight'}
end
return {'done', h[3], h[4]}
