-- wrk script for Scripts/bench/serve_load.sh: POSTs one statement per request to the path in
-- wrk's URL, cycling through statements of different lengths and tones; to /v1/classify with
-- an explanation when EXPLAIN=1, else label only.
local statements = {
  "I had a lovely dinner with my grandmother today",
  "You are a stupid idiot",
  "I hate all muslims, they should leave",
  "The meeting is moved to Thursday at 3pm.",
  "women are too dumb to vote",
  "What a beautiful sunset over the lake, we stayed until it was dark and then walked home along the shore",
  "go back to your country",
  "My neighbour is gay and he helped me fix my car.",
}
local explain = os.getenv("EXPLAIN") == "1" and "true" or "false"
local n = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  n = n + 1
  local s = statements[(n % #statements) + 1]
  local body
  if string.find(wrk.path, "moderations") then
    body = '{"input": "' .. s .. '"}'
  else
    body = '{"statements": ["' .. s .. '"], "explain": ' .. explain .. '}'
  end
  return wrk.format(nil, nil, nil, body)
end
