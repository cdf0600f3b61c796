-- Shared by the wrk scripts of `make bench`: a per-thread counter for
-- unique bodies, and one machine-readable RESULT line per run.
local counter = 0
local thread_id = 0
local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  thread_id = tid or 0
end

function next_id()
  counter = counter + 1
  return string.format("%s-%d-%d", os.getenv("BENCH_RUN") or "run", thread_id, counter)
end

function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.status + summary.errors.timeout
  io.write(string.format("RESULT %s %.1f %d %d %d\n", os.getenv("BENCH_NAME") or "?",
    summary.requests / (summary.duration / 1e6), latency:percentile(50), latency:percentile(99), errors))
end
