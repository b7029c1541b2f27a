-- wrk script of scripts/chaos.sh. Prints one machine-readable line at the end:
--   CHAOS_WRK requests=N duration_s=S rps=R connect=N read=N write=N status=N timeout=N codes=200:N,503:N
-- (`status` is wrk's count of responses with a status > 399; `codes` is filled only with
-- CHAOS_STATUS=1, because a `response` callback makes wrk parse every response into Lua).
-- CHAOS_MIX=1 rotates GET /, GET /json, GET /get?key=k and POST /echo (a small body).

local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   codes = {}
   if os.getenv("CHAOS_MIX") == "1" then
      local reqs = {
         wrk.format("GET", "/"),
         wrk.format("GET", "/json"),
         wrk.format("GET", "/get?key=k"),
         wrk.format("POST", "/echo", { ["Content-Type"] = "text/plain" }, "chaos soak body 0123456789"),
      }
      local i = 0
      request = function()
         i = i % #reqs + 1
         return reqs[i]
      end
   end
   if os.getenv("CHAOS_STATUS") ~= "1" then
      response = nil
   end
end

function response(status, headers, body)
   codes[status] = (codes[status] or 0) + 1
end

function done(summary, latency, requests)
   local all = {}
   for _, thread in ipairs(threads) do
      local c = thread:get("codes") or {}
      for code, n in pairs(c) do
         all[code] = (all[code] or 0) + n
      end
   end
   local keys = {}
   for code in pairs(all) do table.insert(keys, code) end
   table.sort(keys)
   local parts = {}
   for _, code in ipairs(keys) do table.insert(parts, code .. ":" .. all[code]) end
   local e = summary.errors
   local seconds = summary.duration / 1e6
   io.write(string.format(
      "CHAOS_WRK requests=%d duration_s=%.3f rps=%.0f connect=%d read=%d write=%d status=%d timeout=%d p99_ms=%.2f codes=%s\n",
      summary.requests, seconds, summary.requests / seconds, e.connect, e.read, e.write, e.status, e.timeout,
      latency:percentile(99.0) / 1000, #parts > 0 and table.concat(parts, ",") or "-"))
end
