-- Frees an in-flight key so that a retry runs afresh. ARGV: fingerprint.
local h = redis.call('HMGET', KEYS[1], 's', 'fp')
if h[1] == 'f' and h[2] == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
