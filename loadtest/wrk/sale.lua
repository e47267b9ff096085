-- wrk: POST /api/v1/sales/, two lines of two different products (quantity 1 each) in a random
-- store, each request with its own Idempotency-Key. Used by `scripts/bench ratios`.
-- Environment: STORES (20), PRODUCTS (2000), API_TOKEN (token-430, the development token).
-- At the end it prints "statuses <code>=<count> …" so the caller counts only recorded sales.
local stores = tonumber(os.getenv("STORES") or "20")
local products = tonumber(os.getenv("PRODUCTS") or "2000")
local token = os.getenv("API_TOKEN") or "token-430"
local threads = {}
local counter = 0
statuses = {} -- global: the main thread reads each thread's with thread:get at the end
local run = tostring(os.time())

function setup(thread)
    thread:set("id", #threads + 1)
    table.insert(threads, thread)
end

function init(args)
    math.randomseed(os.time() * 1000 + id)
end

function request()
    counter = counter + 1
    local a = math.random(products)
    local b = math.random(products - 1)
    if b >= a then b = b + 1 end
    local body = string.format('{"magasin":%d,"lignes":[{"produit":%d,"quantite":1},{"produit":%d,"quantite":1}]}',
        math.random(stores), a, b)
    local headers = {
        ["Content-Type"] = "application/json",
        ["Authorization"] = "Token " .. token,
        ["Idempotency-Key"] = string.format("wrk-%s-%d-%d", run, id, counter),
    }
    return wrk.format("POST", "/api/v1/sales/", headers, body)
end

function response(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
    local total = {}
    for _, thread in ipairs(threads) do
        local counts = thread:get("statuses")
        for code, n in pairs(counts) do total[code] = (total[code] or 0) + n end
    end
    local parts = {}
    for code, n in pairs(total) do table.insert(parts, code .. "=" .. n) end
    table.sort(parts)
    io.write("statuses " .. table.concat(parts, " ") .. "\n")
end
