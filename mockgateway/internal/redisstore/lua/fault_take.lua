-- Applies a fault rule once: counts a hit and, for a limited rule, uses one
-- of its remaining applications. Returns 0 when the rule is gone or used
-- up. KEYS[1] is the rule, KEYS[2] the rules' version: a rule used up here
-- changes it (gateways stop trying the rule; ARGV[2] is the changes
-- channel) and expires after ARGV[1] ms. KEYS[3] is this take's token key,
-- set for ARGV[3] ms when it uses one of a limited rule's applications: a
-- take the client sends again after a late reply is answered as applied,
-- not taken a second time (nor refused the application it used itself). A
-- rule is shared by every call it matches, so the token cannot live in it:
-- others' takes would push it out. A rule without a limit gets no token
-- (a resend applies it again and counts one hit more; a key per take of a
-- rule matching every call of a load test would cost more than that).
if redis.call('EXISTS', KEYS[3]) == 1 then return 1 end
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local rem = redis.call('HGET', KEYS[1], 'remaining')
if rem == false or rem == '' then
  redis.call('HINCRBY', KEYS[1], 'hits', 1)
  return 1
end
if tonumber(rem) <= 0 then return 0 end
local left = redis.call('HINCRBY', KEYS[1], 'remaining', -1)
redis.call('HINCRBY', KEYS[1], 'hits', 1)
redis.call('SET', KEYS[3], '1', 'PX', ARGV[3])
if left <= 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  redis.call('INCR', KEYS[2])
  redis.call('PUBLISH', ARGV[2], '1')
end
return 1
