-- Stores the answer of a finished request under its key, unless the key now
-- belongs to another fingerprint. ARGV: fingerprint, status, body, TTL ms.
local fp = redis.call('HGET', KEYS[1], 'fp')
if fp and fp ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 's', 'd', 'fp', ARGV[1], 'st', ARGV[2], 'b', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
