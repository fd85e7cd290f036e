-- lua/quoteline/options.lua must mirror src/options.json key for key (names, types, enums,
-- bounds, sub-keys), and setup()'s validation must accept each default and reject bad values.
-- Run: nvim --headless --clean -l test/options_spec.lua PLUGIN_DIR OPTIONS_JSON
local plugin_dir, options_json = arg[1], arg[2]
vim.opt.runtimepath:prepend(plugin_dir)
local options = require("quoteline.options")
local described = vim.json.decode(table.concat(vim.fn.readfile(options_json), "\n")).options

local passed, failed = 0, 0
local function check(name, fn)
  local ok, err = pcall(fn)
  if ok then
    passed = passed + 1
    io.stdout:write("ok - " .. name .. "\n")
  else
    failed = failed + 1
    io.stdout:write("not ok - " .. name .. ": " .. tostring(err) .. "\n")
  end
end

local function same_list(a, b)
  return vim.deep_equal(a or {}, b or {})
end

local function compare(name, plugin, json)
  assert(plugin, name .. " is in options.json but not in lua/quoteline/options.lua")
  assert(plugin.type == json.type, ("%s: type %s here, %s in options.json"):format(name, plugin.type, json.type))
  assert(plugin.minimum == json.minimum, name .. ": minimum differs")
  assert(same_list(plugin.enum, json.enum), name .. ": enum differs")
  if json.items then
    assert(plugin.items == json.items.type, name .. ": item type differs")
  end
  for key, sub in pairs(json.properties or {}) do
    compare(name .. "." .. key, (plugin.properties or {})[key], sub)
  end
  for key in pairs(plugin.properties or {}) do
    assert((json.properties or {})[key], name .. "." .. key .. " is not in options.json")
  end
end

for key, json in pairs(described) do
  check("option " .. key .. " mirrors options.json", function()
    compare(key, options.schema[key], json)
  end)
  check("the default of " .. key .. " passes validation", function()
    local default = json.default
    if type(default) == "table" and next(default) == nil and json.type == "object" then
      default = vim.empty_dict()
    end
    local problems = options.check(key, default)
    assert(#problems == 0, table.concat(problems, "; "))
  end)
end

check("no option here that options.json lacks", function()
  for key in pairs(options.schema) do
    assert(described[key], key .. " is not in options.json")
  end
end)

check("bad values are rejected with the key's name", function()
  local cases = {
    { "minWrods", 3, "minWrods" },
    { "minWords", 0, "at least 1" },
    { "minWords", 2.5, "whole number" },
    { "severity", { drift = "loud" }, "severity.drift" },
    { "severity", { drfit = "error" }, "drfit" },
    { "corpus", "corpus", "list" },
    { "inlayHints", "yes", "true or false" },
  }
  for _, case in ipairs(cases) do
    local problems = options.check(case[1], case[2])
    assert(#problems == 1 and problems[1]:find(case[3], 1, true),
      ("%s = %s: %s"):format(case[1], vim.inspect(case[2]), vim.inspect(problems)))
  end
end)

io.stdout:write(("%d passed, %d failed\n"):format(passed, failed))
os.exit(failed == 0 and 0 or 1)
