-- wrk script: each request is a new person signing up to one class (POST /courses/<id>/signup).
-- The session cookie and CSRF token come from one form the bench fetched (a token is valid for many
-- posts); the submission id and phone number are new for every request, so each post is a real sign-up.
local counter = 0
local threads = 0

function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end

local path = os.getenv("SIGNUP_PATH")
local prefix = os.getenv("SIGNUP_PHONE_PREFIX")  -- "13", "15": each run signs up new people
local body_start = "csrf_token=" .. os.getenv("SIGNUP_CSRF") .. "&town=" .. os.getenv("SIGNUP_TOWN") ..
  "&name=%E5%BC%A0%E4%B8%89&consent=y"
local headers = {
  ["Cookie"] = os.getenv("SIGNUP_COOKIE"),
  ["Content-Type"] = "application/x-www-form-urlencoded",
  ["Accept-Encoding"] = "br, gzip",
}

request = function()
  counter = counter + 1
  local submission = string.format("%s%06x%024x", prefix, id, counter)  -- new in every run: no replays
  local phone = string.format("%s%01d%08d", prefix, id, counter)
  local body = body_start .. "&submission_id=" .. submission .. "&phone=" .. phone
  return wrk.format("POST", path, headers, body)
end
