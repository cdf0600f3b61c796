-- Applies one gateway.Batch atomically: every condition is checked first and,
-- if any fails, nothing is written and {0, n} names the failed condition.
-- ARGV[1] is a JSON array of operations; "k" is an index into KEYS. Numbers
-- travel as strings so no float formatting can change them.
local ops = cjson.decode(ARGV[1])
for i, op in ipairs(ops) do
  local key = KEYS[tonumber(op.k)]
  if op.o == 'ver' then
    local cur = redis.call('HGET', key, 'v')
    if op.v == '0' then
      if cur then return {0, i} end
    elseif cur ~= op.v then
      return {0, i}
    end
  elseif op.o == 'nx' then
    if redis.call('EXISTS', key) == 1 then return {0, i} end
  end
end
for _, op in ipairs(ops) do
  local key = KEYS[tonumber(op.k)]
  if op.o == 'obj' then
    if op.b then
      redis.call('HSET', key, 'v', op.v, 'j', op.j, 'b', op.b)
    else
      redis.call('HSET', key, 'v', op.v, 'j', op.j)
    end
    if op.t then redis.call('PEXPIRE', key, op.t) end
  elseif op.o == 'set' then
    redis.call('SET', key, op.j, 'PX', op.t)
  elseif op.o == 'zadd' then
    redis.call('ZADD', key, op.s, op.m)
    if op.t then redis.call('PEXPIRE', key, op.t) end
  elseif op.o == 'zrem' then
    redis.call('ZREM', key, op.m)
  elseif op.o == 'ttl' then
    redis.call('PEXPIRE', key, op.t)
  elseif op.o == 'trim' then
    redis.call('ZREMRANGEBYLEX', key, '-', '(' .. op.m)
  end
end
return {1, 0}
