-- Keeps an in-flight Idempotency-Key marked for ARGV[2] ms more, while its
-- call is deliberately held (api_latency, api_timeout). ARGV[1] is the
-- fingerprint; a finished or foreign key is left alone.
local h = redis.call('HMGET', KEYS[1], 's', 'fp')
if h[1] == 'f' and h[2] == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
