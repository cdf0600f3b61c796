-- Stores a merchant (ARGV[2], JSON) under KEYS[1] if the stored one still
-- has version ARGV[1] (0: none is stored). Returns 1 when stored, 0 when
-- another change came first.
local cur = redis.call('GET', KEYS[1])
-- Exactly this merchant is stored already: this very put applied, and the
-- client sent it again after a reply it did not get in time.
if cur == ARGV[2] then return 1 end
local v = 0
if cur then v = cjson.decode(cur).version or 0 end
if tostring(v) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return 1
