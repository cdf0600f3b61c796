-- Looks up an Idempotency-Key. KEYS[1] is a hash {s = "f" (in flight) | "d"
-- (done), fp, st, b, tk}. ARGV: fingerprint, TTL in ms, mode, the call's
-- token. When the key is free, mode "begin" marks it in flight for the TTL,
-- "put" keeps the answer ARGV[5] (status), ARGV[6] (body) for the TTL, both
-- under the token; "peek" changes nothing.
if redis.call('EXISTS', KEYS[1]) == 0 then
  if ARGV[3] == 'put' then
    redis.call('HSET', KEYS[1], 's', 'd', 'fp', ARGV[1], 'st', ARGV[5], 'b', ARGV[6], 'tk', ARGV[4])
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
  elseif ARGV[3] ~= 'peek' then
    redis.call('HSET', KEYS[1], 's', 'f', 'fp', ARGV[1], 'tk', ARGV[4])
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
  end
  return {'new'}
end
local h = redis.call('HMGET', KEYS[1], 's', 'fp', 'st', 'b', 'tk')
if h[2] ~= ARGV[1] then return {'mismatch'} end
-- Written under this very call's token: the client sent the call again after
-- a reply it did not get in time. The marker, or the answer, is its own.
if ARGV[3] ~= 'peek' and h[5] == ARGV[4] then return {'new'} end
if h[1] ~= 'd' then return {'inflight'} end
return {'done', h[3], h[4]}
