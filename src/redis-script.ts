/**
 * The Redis store's one script: a limiter key's pacing state and retry budget in one hash,
 * changed atomically on the server, on the server's clock (TIME). It follows AdaptiveLimiter's
 * rules (src/limiter.ts) for a whole fleet at once:
 * - acquire reserves the next slot (a token bucket whose tokens may go negative: each one below
 *   zero is a slot promised to a caller that is waiting for it), so an attempt costs one round trip;
 * - answer applies what one answer taught, in one call: its x-ratelimit-* headers (parsed by the
 *   caller: ceiling, burst, free slots); a success, which counts toward the measured rate (a
 *   sliding window, and a count since the last run of 429s began) and, while the caller has
 *   attempts queued, grows the rate in AdaptiveLimiter's zones; or a 429, which pauses the key for
 *   its hint and sets the rate from what the fleet was granted. At low load it also takes the
 *   caller's next slot, if one is free now, so that the next attempt need not wait for Redis;
 * - take and refund spend and return retry-budget tokens; state reads everything.
 * Every write refreshes the hash's expiry (the limiter's TTL), so an idle key disappears.
 *
 * KEYS[1]: the hash. ARGV: op, minRate, throttleFactor, growthMs, burstSeconds, maxPauseMs,
 * windowMs, ttlMs, budgetCapacity, then the op's own arguments. Numbers travel as strings both
 * ways (a script's Lua numbers would be truncated to integers in its reply).
 */
export const LIMITER_SCRIPT = `
local key = KEYS[1]
local kind = redis.call('TYPE', key).ok
if kind ~= 'hash' and kind ~= 'none' then return redis.error_reply('OER_WRONGTYPE ' .. key .. ' holds a ' .. kind .. ', not a hash') end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local op = ARGV[1]
local minRate, factor, growthMs, burstSec = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local maxPause, W, ttl, capacity = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])
local INF = math.huge
local F = {'r', 'src', 'c', 'b', 'tk', 'ra', 'p', 'rs', 'ga', 'g', 'ep', 'th', 'ec', 'ws', 'wc', 'wp', 'x', 'ro', 'bt', 'ns', 'nt', 'fs', 'mf', 'mc', 'mq'}
local v = redis.call('HMGET', key, unpack(F))
local s = {}
for i, f in ipairs(F) do s[f] = tonumber(v[i]) end
s.src = v[2] or 'none'
local function n(f, d) if s[f] == nil then return d end return s[f] end
local rate = n('r', 0); if rate <= 0 then rate = INF end
local ceil = n('c', 0); if ceil <= 0 then ceil = INF end
local burst = n('b', 0)
local tokens, refilledAt, pause = n('tk', 0), n('ra', 0), n('p', 0)
local rateSince, grownAt, granted = n('rs', -INF), n('ga', 0), n('g', 0)
local episodeAt, throttledAt, episodeCount = n('ep', -INF), n('th', -INF), n('ec', 0)
local winAt, winCount, prevCount, firstAt = n('ws', now), n('wc', 0), n('wp', 0), n('fs', -INF)
local exhausted, roomy = n('x', 0) == 1, n('ro', 0) == 1
-- When the last pause a stale 429 (of an attempt sent before the rate last changed) imposed ends,
-- the successes since then, and the first of them: what the server grants is measured from there.
local measureFrom, sinceCount, sinceFirst = n('mf', -INF), n('mc', 0), n('mq', -INF)
local src = s.src

local function burstSize() if burst > 0 then return burst end return math.max(1, rate * burstSec) end
local function refill()
  if rate == INF then return end
  local from = math.max(refilledAt, pause)
  if now > from then
    tokens = math.min(math.max(burstSize(), tokens), tokens + (now - from) * rate / 1000)
    refilledAt = now
  end
end
local function rotate()
  local k = math.floor((now - winAt) / W)
  if k >= 1 then
    if k == 1 then prevCount = winCount else prevCount = 0 end
    winCount = 0
    winAt = winAt + k * W
  end
end
local function windowCount() return winCount + prevCount * math.max(0, 1 - (now - winAt) / W) end
local function setRate(r, source)
  if r ~= rate then rateSince = now end
  local wasUnpaced = rate == INF
  rate = r
  src = source
  grownAt = now
  if wasUnpaced then tokens = burstSize(); refilledAt = now end
end
local function pauseUntil(u)
  pause = math.max(pause, u)
  -- One slot at its end, or none while slots promised to waiting callers are still ahead.
  tokens = math.min(tokens, 1)
  refilledAt = pause
end
local function fmt(x)
  if x == INF then return 'inf' end
  if x == -INF then return '-inf' end
  return string.format('%.17g', x)
end
local function save()
  local r, c = rate, ceil
  if r == INF then r = 0 end
  if c == INF then c = 0 end
  local ep, th, rs = episodeAt, throttledAt, rateSince
  local out = {'r', fmt(r), 'src', src, 'c', fmt(c), 'b', fmt(burst), 'tk', fmt(tokens), 'ra', fmt(refilledAt), 'p', fmt(pause),
    'ga', fmt(grownAt), 'g', fmt(granted), 'ec', fmt(episodeCount), 'ws', fmt(winAt), 'wc', fmt(winCount), 'wp', fmt(prevCount),
    'x', exhausted and '1' or '0', 'ro', roomy and '1' or '0', 'ns', fmt(n('ns', 0)), 'nt', fmt(n('nt', 0))}
  if ep > -INF then table.insert(out, 'ep'); table.insert(out, fmt(ep)) end
  if th > -INF then table.insert(out, 'th'); table.insert(out, fmt(th)) end
  if rs > -INF then table.insert(out, 'rs'); table.insert(out, fmt(rs)) end
  if firstAt > -INF then table.insert(out, 'fs'); table.insert(out, fmt(firstAt)) end
  if measureFrom > -INF then
    for _, kv in ipairs({{'mf', measureFrom}, {'mc', sinceCount}, {'mq', sinceFirst}}) do table.insert(out, kv[1]); table.insert(out, fmt(kv[2])) end
  end
  if s.bt ~= nil then table.insert(out, 'bt'); table.insert(out, fmt(s.bt)) end
  redis.call('HSET', key, unpack(out))
  redis.call('PEXPIRE', key, math.ceil(ttl))
end

-- A slot: now when one is free, else when the slots promised ahead of it have gone (reserved:
-- the tokens go below zero). With onlyNow, only a slot free now (else the wait is -1, nothing
-- taken). Also says whether a slot is still free after this one.
local function take(onlyNow)
  if rate == INF then
    if onlyNow and pause > now then return -1, now, false end
    return math.max(0, pause - now), math.max(now, pause), pause <= now
  end
  refill()
  -- While paused, refill waits for the pause to end (refill() counts from it), so the tokens are those at its end.
  local slot = math.max(now, pause)
  if tokens < 1 - 1e-9 then slot = slot + (1 - tokens) * 1000 / rate end
  if onlyNow and slot > now then return -1, now, false end
  tokens = tokens - 1
  return slot - now, slot, slot <= now and tokens >= 1 - 1e-9
end

local function learnHeaders(limit, remaining, reset, tokensReset)
  local learned = false
  if limit > 0 then
    learned = true
    refill()
    local c = math.max(minRate, limit / 60)
    if reset >= 0 and remaining >= 0 then burst = math.max(1, math.min(limit, remaining + reset * c / 1000)) end
    if rate == INF or rate >= ceil or rate > c then setRate(c, 'header') end
    ceil = c
    if remaining >= 0 then
      local b = burst
      if b <= 0 then b = 1 end
      exhausted = remaining == 0 and b >= 2
      roomy = remaining >= 2 and burst > 0 and remaining >= burst / 2
      tokens = math.min(tokens, remaining + (tokens % 1))
    end
  end
  if tokensReset > 0 then
    learned = true
    exhausted = true
    roomy = false
    pauseUntil(now + math.min(tokensReset, maxPause))
  end
  return learned
end

local function success(queued)
  rotate()
  s.ns = n('ns', 0) + 1
  winCount = winCount + 1
  episodeCount = episodeCount + 1
  -- The first success of a run: the span a rough rate is measured over (none older than two windows).
  if now - firstAt > 2 * W then firstAt = now end
  if measureFrom > -INF and now >= measureFrom then
    sinceCount = sinceCount + 1
    if sinceFirst == -INF then sinceFirst = now end
  end
  local step = math.min(250, now - grownAt)
  grownAt = now
  if rate ~= INF and queued > 0 and not exhausted and rate < ceil and step > 0 then
    refill()
    local grown
    if roomy then grown = rate * 2 ^ ((2 * step) / growthMs)
    elseif rate < granted * factor then grown = math.min(granted * factor, rate * 2 ^ (step / growthMs))
    elseif rate < granted then grown = math.min(granted, rate + (granted * (1 - factor) * step) / W)
    else grown = rate * 2 ^ (step / math.max(growthMs, growthMs * 16 - (now - throttledAt))) end
    rate = math.min(ceil, grown)
    if rate >= ceil then src = 'header' else src = 'ramp' end
  end
end

local function throttle(hint, sentAt)
  rotate()
  refill()
  s.nt = n('nt', 0) + 1
  local hinted = hint > 0
  if now - throttledAt > W then episodeAt = now; episodeCount = 0 end
  throttledAt = now
  roomy = false
  local stale = sentAt < rateSince
  if stale and hinted then
    measureFrom = math.max(measureFrom, now + math.min(hint, maxPause))
    sinceCount, sinceFirst = 0, -INF
  end
  -- Within a window of a stale pause's end, successes count from there (older ones are out of the window after it).
  local since = measureFrom > now - W
  if not stale then
    local measured = 0
    local count, span = windowCount(), W
    if episodeAt > now - W then count, span = episodeCount, now - episodeAt end
    if since and measureFrom > now - span then count, span = sinceCount, now - measureFrom end
    if count >= 8 and span >= W / 10 then measured = count * 1000 / span end
    local got = measured
    if got <= 0 then
      if since and sinceCount > 0 then got = sinceCount * 1000 / math.max(now - sinceFirst, W / 10)
      else
        local c = windowCount()
        if c > 0 then got = c * 1000 / math.max(math.min(now - firstAt, W), W / 10) end
      end
    end
    local paced = rate ~= INF
    local nextRate
    if measured > 0 or (paced and got > 0) then nextRate = factor * got
    elseif paced then nextRate = rate / 2
    elseif hinted then nextRate = 1000 / hint
    else nextRate = factor * got end
    if got > 0 or paced then if got > 0 then granted = got else granted = rate end end
    setRate(math.max(minRate, math.min(rate, ceil, nextRate)), '429s')
  end
  if hinted then pauseUntil(now + math.min(hint, maxPause)) else tokens = math.min(tokens, 0) end
end

local function rateOut() if rate == INF then return '0' end return fmt(rate) end

if op == 'acquire' then
  local wait, slot, room = take(ARGV[10] == 'now')
  if wait >= 0 and rate ~= INF then save() end
  return {fmt(wait), fmt(slot), rateOut(), room and '1' or '0'}
elseif op == 'answer' then
  -- What one answer taught: its x-ratelimit-* headers (-1: absent), then a success (with the
  -- caller's queue length) or a 429 (hint, and the slot it was sent in), or neither; with ahead,
  -- a slot free now for the caller's next attempt.
  local kind, queued, hint, sentAt = ARGV[10], tonumber(ARGV[11]) or 0, tonumber(ARGV[12]) or -1, tonumber(ARGV[13]) or now
  local learned = learnHeaders(tonumber(ARGV[14]) or -1, tonumber(ARGV[15]) or -1, tonumber(ARGV[16]) or -1, tonumber(ARGV[17]) or -1)
  if kind == 'success' then success(queued) elseif kind == 'throttle' then throttle(hint, sentAt) end
  local wait, slot = -1, now
  if ARGV[18] == '1' then wait, slot = take(true) end
  if learned or kind ~= 'none' or wait >= 0 then save() end
  return {rateOut(), fmt(wait), fmt(slot)}
elseif op == 'take' then
  local cost = tonumber(ARGV[10])
  local have = n('bt', capacity)
  if have < cost then return {'0'} end
  s.bt = have - cost
  save()
  return {'1'}
elseif op == 'refund' then
  s.bt = math.min(capacity, n('bt', capacity) + tonumber(ARGV[10]))
  save()
  return {'1'}
elseif op == 'state' then
  refill()
  local free = tokens
  if rate == INF then free = INF end
  if now < pause then free = 0 end
  return {fmt(rate), src, fmt(ceil), fmt(free), fmt(math.max(0, pause - now)), fmt(n('ns', 0)), fmt(n('nt', 0)), fmt(n('bt', capacity)), fmt(redis.call('PTTL', key)), fmt(now)}
end
return redis.error_reply('OER_BADOP ' .. tostring(op))
`;
