-- wrk script for bench/load.py. Two modes, chosen by the environment:
--   LOAD_MODE=get   GET LOAD_PATH with the session cookie;
--   LOAD_MODE=save  POST the htmx score save to every score of LOAD_SCORES (comma-separated
--                   "pk:version" pairs) in turn, each wrk thread on its own share, alternating
--                   the value between 0,5 and 0 so that every request is a real write with the
--                   version it expects (a refused, stale or failed save counts as an error).
local mode = os.getenv("LOAD_MODE")
local cookie = os.getenv("LOAD_COOKIE")
local csrf = os.getenv("LOAD_CSRF")
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  ids, versions, saved, failed, stale, position = {}, {}, 0, 0, 0, 0
  local n = 0
  for pair in string.gmatch(os.getenv("LOAD_SCORES") or "", "[^,]+") do
    local pk, version = string.match(pair, "(%d+):(%d+)")
    if n % tonumber(os.getenv("LOAD_THREADS")) == tid then
      table.insert(ids, pk)
      versions[pk] = tonumber(version)
    end
    n = n + 1
  end
end

function request()
  local headers = {["Cookie"] = cookie}
  if mode == "get" then
    return wrk.format("GET", os.getenv("LOAD_PATH"), headers)
  end
  position = position % #ids + 1
  local pk = ids[position]
  local version = versions[pk]
  versions[pk] = version + 1
  local value = (version % 2 == 0) and "0%2C5" or "0"
  headers["Content-Type"] = "application/x-www-form-urlencoded"
  headers["X-CSRFToken"] = csrf
  headers["HX-Request"] = "true"
  local body = "self-" .. pk .. "=" .. value .. "&note-" .. pk .. "=&version-" .. pk .. "=" .. version
  return wrk.format("POST", "/diem/" .. pk .. "/luu/", headers, body)
end

function response(status, headers, body)
  local ok = status == 200
  if mode == "save" and ok and string.find(body, "đã lưu", 1, true) == nil then
    -- Refused as stale: wrk generated a request it then never sent (it happens when a
    -- connection is re-made), so this score's counter ran ahead. Take the version the server
    -- sends back and count it apart: the server did its job.
    -- The same desync can also make a request carry the value the score already holds: the
    -- server answers "unchanged" (no message, no error), which is counted the same way.
    local pk, version = string.match(body, 'id="version%-(%d+)" name="version%-%d+" value="(%d+)"')
    local refused_as_stale = string.find(body, "Người khác vừa lưu", 1, true)
    local unchanged = not string.find(body, "invalid-feedback", 1, true)
    if not pk and refused_as_stale then
      -- The refusal links to the current version ("phien-ban=N#score-PK").
      version, pk = string.match(body, "phien%-ban=(%d+)#score%-(%d+)")
    end
    if refused_as_stale or (pk and unchanged) then
      if pk then versions[pk] = tonumber(version) end
      stale = stale + 1
      return
    end
    ok = false
  end
  if ok then
    saved = saved + 1
  else
    if failed == 0 then
      io.stderr:write("first failure: " .. status .. " " .. string.sub(body, 1, 2000) .. "\n")
    end
    failed = failed + 1
  end
end

function done(summary, latency, requests)
  local good, bad, resynced = 0, 0, 0
  for _, thread in ipairs(threads) do
    good = good + thread:get("saved")
    bad = bad + thread:get("failed")
    resynced = resynced + thread:get("stale")
  end
  local errors = summary.errors
  io.write(string.format(
    "RESULT requests=%d seconds=%.2f rps=%.1f p50=%.2f p95=%.2f p99=%.2f max=%.2f " ..
    "ok=%d failed=%d stale=%d socket_errors=%d non2xx=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, good, bad, resynced,
    errors.connect + errors.read + errors.write + errors.timeout, errors.status))
end
