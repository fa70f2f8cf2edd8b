-- Reserve one entry on a sorted set if every limit has room (zapguard quota counters).
-- KEYS[1]  the key's sorted set (score: epoch seconds; member: entry id)
-- KEYS[2]  the marker set once the counters hold every durable reservation (see redis.py)
-- KEYS[3]  the key's generation: moved by every change of the set (see counters/mirror.py)
-- ARGV[1]  score of the new entry      ARGV[2]  entry id
-- ARGV[3], ARGV[4], ...: pairs of (since, cap): at most cap members with score > since
-- Returns {outcome, generation, changed}: outcome 1 (reserved, or already held), 0 (a limit is
-- full), -1 (the marker is gone: Redis lost its data, so the counts are too low until they are
-- restored; nothing is reserved); generation, the key's after the call; changed, 1 if it moved.
-- Scores stay strings end to end: Lua's number-to-string conversion would round them.
-- Nothing is trimmed here: a shorter window must not drop entries a longer one still counts.
if redis.call('EXISTS', KEYS[2]) == 0 then
    return {-1, 0, 0}
end
local generation = tonumber(redis.call('GET', KEYS[3]) or '0')
if redis.call('ZSCORE', KEYS[1], ARGV[2]) then
    return {1, generation, 0}
end
for i = 3, #ARGV, 2 do
    if redis.call('ZCOUNT', KEYS[1], '(' .. ARGV[i], '+inf') >= tonumber(ARGV[i + 1]) then
        return {0, generation, 0}
    end
end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
return {1, redis.call('INCR', KEYS[3]), 1}
