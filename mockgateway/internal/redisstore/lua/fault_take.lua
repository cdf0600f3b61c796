-- Applies a fault rule once: counts a hit and, for a limited rule, uses one
-- of its remaining applications. Returns 0 when the rule is gone or used up.
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local rem = redis.call('HGET', KEYS[1], 'remaining')
if rem == false or rem == '' then
  redis.call('HINCRBY', KEYS[1], 'hits', 1)
  return 1
end
if tonumber(rem) <= 0 then return 0 end
redis.call('HINCRBY', KEYS[1], 'remaining', -1)
redis.call('HINCRBY', KEYS[1], 'hits', 1)
return 1
