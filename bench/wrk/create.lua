-- POST /api/escalations, every request a distinct issue, agents' keys taken in turns.
-- KEYS (comma-separated) and RUN (a tag keeping runs apart) come from the environment.
local keys, counter, threads = {}, 0, {}
thread_id, statuses = 0, {}  -- globals: wrk sets and reads them per thread

for key in string.gmatch(os.getenv("KEYS"), "[^,]+") do
  table.insert(keys, key)
end

function setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
end

function request()
  counter = counter + 1
  local key = keys[(counter % #keys) + 1]
  local body = string.format(
    '{"issue_description":"bench %s case %d-%d needs a human","priority":"medium","context_data":{"n":%d}}',
    os.getenv("RUN"), thread_id, counter, counter)
  return wrk.format("POST", "/api/escalations",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. key}, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    local s = thread:get("statuses")
    for code, n in pairs(s) do counts[code] = (counts[code] or 0) + n end
  end
  local parts = {}
  for code, n in pairs(counts) do table.insert(parts, string.format('"%d":%d', code, n)) end
  io.write(string.format(
    'RESULT {"requests":%d,"seconds":%f,"p50_us":%d,"p95_us":%d,"p99_us":%d,"socket_errors":%d,"statuses":{%s}}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout, table.concat(parts, ",")))
end
