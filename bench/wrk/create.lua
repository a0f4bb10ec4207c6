-- POST /api/escalations, every request a distinct issue, agents' keys taken in turns.
-- KEYS (comma-separated) and RUN (a tag keeping runs apart) come from the environment.
local keys, counter, threads = {}, 0, {}
thread_id, statuses = 0, {}  -- globals: wrk sets and reads them per thread

for key in string.gmatch(os.getenv("KEYS"), "[^,]+") do
  table.insert(keys, key)
end

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_id", #threads)
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

response = dofile(os.getenv("COMMON")).response
done = dofile(os.getenv("COMMON")).done_for(threads)
