-- Applies a fault rule once: counts a hit and, for a limited rule, uses one
-- of its remaining applications. Returns 0 when the rule is gone or used
-- up. KEYS[1] is the rule, KEYS[2] the rules' version: a rule used up here
-- changes it (gateways stop trying the rule; ARGV[2] is the changes
-- channel) and expires after ARGV[1] ms. ARGV[3] is the take's token: the
-- rule keeps the last four ('tk'), so a take the client sends again after a
-- late reply is answered as applied, not taken a second time (nor refused
-- for the application it used itself).
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local h = redis.call('HMGET', KEYS[1], 'remaining', 'tk')
local rem, kept = h[1], h[2] or ''
if string.find(' ' .. kept .. ' ', ' ' .. ARGV[3] .. ' ', 1, true) then return 1 end
local _, _, first3 = string.find(kept, '^(%S+ ?%S* ?%S*)')
local tk = first3 and (ARGV[3] .. ' ' .. first3) or ARGV[3]
if rem == false or rem == '' then
  redis.call('HINCRBY', KEYS[1], 'hits', 1)
  redis.call('HSET', KEYS[1], 'tk', tk)
  return 1
end
if tonumber(rem) <= 0 then return 0 end
local left = redis.call('HINCRBY', KEYS[1], 'remaining', -1)
redis.call('HINCRBY', KEYS[1], 'hits', 1)
redis.call('HSET', KEYS[1], 'tk', tk)
if left <= 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  redis.call('INCR', KEYS[2])
  redis.call('PUBLISH', ARGV[2], '1')
end
return 1
