-- What every script reports: status counts over all threads and the latency percentiles, on one line.
local common = {}

function common.response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function common.done_for(threads)
  return function(summary, latency, requests)
    local counts = {}
    for _, thread in ipairs(threads) do
      for code, n in pairs(thread:get("statuses")) do counts[code] = (counts[code] or 0) + n end
    end
    local parts = {}
    for code, n in pairs(counts) do table.insert(parts, string.format('"%d":%d', code, n)) end
    io.write(string.format(
      'RESULT {"requests":%d,"seconds":%f,"p50_us":%d,"p95_us":%d,"p99_us":%d,"socket_errors":%d,'
        .. '"statuses":{%s}}\n',
      summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(95),
      latency:percentile(99), summary.errors.connect + summary.errors.read + summary.errors.write
        + summary.errors.timeout, table.concat(parts, ",")))
  end
end

return common
