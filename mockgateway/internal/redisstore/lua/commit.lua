-- Applies one gateway.Batch atomically: every condition is checked first and,
-- if any fails, nothing is written and {0, n} names the failed condition
-- ({2, …} when it is the idempotency key's; see 'idemchk').
-- ARGV holds the operations, 7 arguments each: o (operation), k (an index
-- into KEYS), v, j, s, m, t; unused ones are empty strings. Numbers travel
-- as strings so no float formatting can change them.
-- (The loops index ARGV directly: a helper function per field was a fifth of
-- the script's own time.)
local A, n = ARGV, #ARGV / 7
-- A key 'once' found free needs no second look by 'nx', nor an
-- Idempotency-Key 'idemchk' found free by 'idem'.
local free, idemFree = nil, nil
for i = 1, n do
  local b = (i - 1) * 7
  local o, key, j = A[b + 1], KEYS[tonumber(A[b + 2])], A[b + 4]
  if o == 'once' then
    -- This very batch was applied already: the client sent it again after
    -- a reply it did not get in time. Report it applied, change nothing.
    -- A batch that creates an object is known by the object's first unique
    -- name holding its id (j); any other by its own token key.
    if j ~= '' then
      local held = redis.call('GET', key)
      if held == j then return {1, 0} end
      if not held then free = key end
    elseif redis.call('EXISTS', key) == 1 then
      return {1, 0}
    end
  elseif o == 'idemchk' then
    -- The call did not mark its Idempotency-Key in flight (IdemKept.Check):
    -- the key must be free, or nothing is written and {2, state[, status,
    -- body]} says whose it is (idem_begin.lua's answers).
    local h = redis.call('HMGET', key, 's', 'fp', 'st', 'b')
    if h[1] then
      if h[2] ~= A[b + 3] then return {2, 'mismatch'} end
      if h[1] ~= 'd' then return {2, 'inflight'} end
      return {2, 'done', h[3], h[4]}
    end
    idemFree = key
  elseif o == 'ver' then
    local cur = redis.call('HGET', key, 'v')
    local want = A[b + 3]
    if want == '0' then
      if cur then return {0, i} end
    elseif cur ~= want then
      return {0, i}
    end
  elseif o == 'nx' then
    if key ~= free and redis.call('EXISTS', key) == 1 then return {0, i} end
  end
end
for b = 0, #A - 1, 7 do
  local o, key = A[b + 1], KEYS[tonumber(A[b + 2])]
  local v, j, s, m, t = A[b + 3], A[b + 4], A[b + 5], A[b + 6], A[b + 7]
  if o == 'obj' then
    redis.call('HSET', key, 'v', v, 'j', j)
    if t ~= '' then redis.call('PEXPIRE', key, t) end
  elseif o == 'set' then
    redis.call('SET', key, j, 'PX', t)
  elseif o == 'zadd' then
    redis.call('ZADD', key, s, m)
    if t ~= '' then redis.call('PEXPIRE', key, t) end
  elseif o == 'zrem' then
    redis.call('ZREM', key, m)
  elseif o == 'ttl' then
    redis.call('PEXPIRE', key, t)
  elseif o == 'trim' then
    redis.call('ZREMRANGEBYLEX', key, '-', '(' .. m)
  elseif o == 'once' then
    if j == '' then redis.call('SET', key, '1', 'PX', t) end
  elseif o == 'due' then
    -- (Standalone Redis only.) Mark merchant m as having work on the queue
    -- whose set of merchants is key, due at s, unless it is marked with an
    -- earlier time already: in one call where ZADD takes LT (v), else as
    -- due_min.lua does.
    -- pcall: a Redis that stopped taking LT (a failover to an older one)
    -- must not stop the script halfway through its writes.
    local r = v == 'lt' and redis.pcall('ZADD', key, 'LT', s, m)
    if not r or type(r) == 'table' then
      local cur = redis.call('ZSCORE', key, m)
      if not cur or tonumber(cur) > tonumber(s) then redis.call('ZADD', key, s, m) end
    end
  elseif o == 'idem' then
    -- The call's answer under its idempotency key (idem_finish.lua's
    -- format), unless the key now belongs to another request.
    local fp = key ~= idemFree and redis.call('HGET', key, 'fp')
    if not fp or fp == v then
      redis.call('HSET', key, 's', 'd', 'fp', v, 'st', s, 'b', j)
      redis.call('PEXPIRE', key, t)
    end
  end
end
return {1, 0}
