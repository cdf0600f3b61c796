-- Claims up to ARGV[3] due members of a delivery schedule (KEYS[1]) as
-- claim.lua does, and reads each one's event in the same step: the event
-- key is ARGV[4] (the merchant's event prefix, same slot) followed by the
-- member's event id (the member up to its first ':'). Returns the count,
-- then member, version and JSON for each (empty when the event is gone),
-- then the score of the earliest member left, if any.
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
for _, m in ipairs(due) do
  redis.call('ZADD', KEYS[1], ARGV[2], m)
end
local out = {tostring(#due)}
for _, m in ipairs(due) do
  local id = string.match(m, '^[^:]+')
  local vals = redis.call('HMGET', ARGV[4] .. id, 'v', 'j')
  out[#out + 1] = m
  out[#out + 1] = vals[1] or ''
  out[#out + 1] = vals[2] or ''
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if first[2] then out[#out + 1] = first[2] end
return out
