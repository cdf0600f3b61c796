-- Moves every member scheduled after ARGV[1] (unix ms) to ARGV[1].
local later = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], '+inf')
for _, m in ipairs(later) do
  redis.call('ZADD', KEYS[1], ARGV[1], m)
end
return #later
