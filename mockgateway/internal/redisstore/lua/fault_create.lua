-- Stores a fault rule: KEYS[1] its hash, KEYS[2] the list, KEYS[3] the
-- version. ARGV: JSON, remaining ("" = until deleted), created (ms), id, the
-- changes channel.
-- A rule's id is new: one stored under it already is this very create,
-- sent again by the client after a late reply. Writing it again would give
-- back the applications taken meanwhile.
if redis.call('EXISTS', KEYS[1]) == 1 then return 1 end
redis.call('HSET', KEYS[1], 'j', ARGV[1], 'remaining', ARGV[2], 'hits', 0)
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
redis.call('INCR', KEYS[3])
redis.call('PUBLISH', ARGV[5], '1')
return 1
