-- PATCH /api/escalations/{id}/claim, each request a different open escalation, reviewers in turns.
-- KEYS (comma-separated reviewer keys) and IDS (a file, one escalation id a line) come from the
-- environment; thread t of T takes every T-th id from the t-th on, so no two requests race.
local keys, ids, threads = {}, {}, {}
thread_id, thread_count, counter, statuses = 1, 1, 0, {}

for key in string.gmatch(os.getenv("KEYS"), "[^,]+") do table.insert(keys, key) end
for line in io.lines(os.getenv("IDS")) do table.insert(ids, line) end

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_id", #threads)
end

function init(args)
  thread_count = tonumber(os.getenv("THREADS"))
end

function request()
  local n = thread_id + counter * thread_count
  counter = counter + 1
  local id = ids[((n - 1) % #ids) + 1]
  return wrk.format("PATCH", "/api/escalations/" .. id .. "/claim",
    {["Authorization"] = "Bearer " .. keys[(n % #keys) + 1]}, "")
end

response = dofile(os.getenv("COMMON")).response
done = dofile(os.getenv("COMMON")).done_for(threads)
