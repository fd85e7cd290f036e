--- The server's options as this plugin knows them, mirroring src/options.json key for key
--- (test/options_spec.lua fails when the two differ). Used to reject misspelt keys in
--- setup() before they reach the server, whose config is strict.
local M = {}

local severity_levels = { "error", "warning", "information", "hint", "off" }

--- Each option: the JSON type from options.json, and for objects the allowed sub-keys.
M.schema = {
  corpus = { type = "array", items = "string" },
  bibliography = { type = "array", items = "string" },
  minWords = { type = "integer", minimum = 1 },
  severity = {
    type = "object",
    properties = {
      exact = { type = "string", enum = severity_levels },
      altered = { type = "string", enum = severity_levels },
      drift = { type = "string", enum = severity_levels },
      misattributed = { type = "string", enum = severity_levels },
      unsourced = { type = "string", enum = severity_levels },
      unchecked = { type = "string", enum = severity_levels },
    },
  },
  zotero = { type = "string" },
  inlayHints = { type = "boolean" },
  fileTypes = { type = "array", items = "string" },
}

local function check_value(name, spec, value)
  local t = spec.type
  if t == "string" then
    if type(value) ~= "string" then
      return ("%s must be a string"):format(name)
    end
    if spec.enum and not vim.tbl_contains(spec.enum, value) then
      return ("%s must be one of %s, not %q"):format(name, table.concat(spec.enum, ", "), value)
    end
  elseif t == "integer" then
    if type(value) ~= "number" or value % 1 ~= 0 then
      return ("%s must be a whole number"):format(name)
    end
    if spec.minimum and value < spec.minimum then
      return ("%s must be at least %d"):format(name, spec.minimum)
    end
  elseif t == "boolean" then
    if type(value) ~= "boolean" then
      return ("%s must be true or false"):format(name)
    end
  elseif t == "array" then
    if type(value) ~= "table" or not vim.islist(value) then
      return ("%s must be a list"):format(name)
    end
    for i, item in ipairs(value) do
      if type(item) ~= spec.items then
        return ("%s[%d] must be a %s"):format(name, i, spec.items)
      end
    end
  elseif t == "object" then
    if type(value) ~= "table" or (next(value) ~= nil and vim.islist(value)) then
      return ("%s must be a table of keys"):format(name)
    end
    for key, sub in pairs(value) do
      local sub_spec = spec.properties[key]
      if not sub_spec then
        return ("%s has no key %q (known: %s)"):format(
          name,
          tostring(key),
          table.concat(vim.tbl_keys(spec.properties), ", ")
        )
      end
      local problem = check_value(name .. "." .. key, sub_spec, sub)
      if problem then
        return problem
      end
    end
  end
  return nil
end

--- Returns a list of problems with `key = value` as a server option; empty when valid.
function M.check(key, value)
  local spec = M.schema[key]
  if not spec then
    return { ("unknown option %q"):format(tostring(key)) }
  end
  local problem = check_value(key, spec, value)
  return problem and { problem } or {}
end

return M
