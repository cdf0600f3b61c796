-- Claims up to ARGV[3] members of a schedule that are due at ARGV[1] (unix
-- ms) by moving them to ARGV[2], the end of the lease. A process that dies
-- holding a lease leaves the member to be claimed again once it ends.
-- Returns the claimed members, then the score of the earliest member left
-- (after the claim), or nothing more when the queue is empty.
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
for _, m in ipairs(due) do
  redis.call('ZADD', KEYS[1], ARGV[2], m)
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local out = {tostring(#due)}
for _, m in ipairs(due) do out[#out + 1] = m end
if first[2] then out[#out + 1] = first[2] end
return out
