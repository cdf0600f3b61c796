-- Applies a fault rule once: counts a hit and, for a limited rule, uses one
-- of its remaining applications. Returns 0 when the rule is gone or used
-- up. KEYS[1] is the rule, KEYS[2] the rules' version: a rule used up here
-- changes it (gateways stop trying the rule; ARGV[2] is the changes
-- channel) and expires after ARGV[1] ms.
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local rem = redis.call('HGET', KEYS[1], 'remaining')
if rem == false or rem == '' then
  redis.call('HINCRBY', KEYS[1], 'hits', 1)
  return 1
end
if tonumber(rem) <= 0 then return 0 end
local left = redis.call('HINCRBY', KEYS[1], 'remaining', -1)
redis.call('HINCRBY', KEYS[1], 'hits', 1)
if left <= 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  redis.call('INCR', KEYS[2])
  redis.call('PUBLISH', ARGV[2], '1')
end
return 1
