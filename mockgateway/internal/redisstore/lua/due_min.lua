-- Marks merchant ARGV[1] as having work on a queue due at ARGV[2] (unix ms)
-- in the queue's set of merchants with work (KEYS[1]), unless it is marked
-- with an earlier time already.
local cur = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not cur or tonumber(cur) > tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
end
return 0
