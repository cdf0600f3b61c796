-- Claims up to ARGV[3] members of a schedule that are due at ARGV[1] (unix
-- ms) by moving them to ARGV[2], the end of the lease. A process that dies
-- holding a lease leaves the member to be claimed again once it ends.
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
for _, m in ipairs(due) do
  redis.call('ZADD', KEYS[1], ARGV[2], m)
end
return due
