-- End-to-end test of the Neovim plugin against the real `quoteline lsp`.
-- Run by test/run.sh:  nvim --headless --clean -l test/e2e.lua PLUGIN_DIR BIN WORKSPACE
-- WORKSPACE holds corpus/ (a copy of the repository's bundled corpus) and draft.md
-- (editors/testdata/draft.md: a quote of the cable with "far" changed to "much").
-- With QUOTELINE_E2E_LEGACY=1 the plugin is made to take its Neovim 0.10 path (vim.lsp.start
-- from a FileType autocommand) instead of vim.lsp.config / vim.lsp.enable.
local plugin_dir, bin, workspace = arg[1], arg[2], arg[3]
assert(plugin_dir and bin and workspace, "usage: nvim --headless --clean -l e2e.lua PLUGIN_DIR BIN WORKSPACE")
local legacy = os.getenv("QUOTELINE_E2E_LEGACY") == "1"

-- Long enough for a cold index of the corpus on a slow CI machine, short enough to fail fast.
local SERVER_WAIT_MS = tonumber(os.getenv("QUOTELINE_E2E_WAIT_MS") or "20000")

local passed, failed = 0, 0

local function say(line)
  io.stdout:write(line .. "\n")
  io.stdout:flush()
end

--- Runs one named check; a Lua error inside it is a failure with the error's text.
local function check(name, fn)
  local ok, err = pcall(fn)
  if ok then
    passed = passed + 1
    say("ok - " .. name)
  else
    failed = failed + 1
    say("not ok - " .. name .. ": " .. tostring(err))
  end
  return ok
end

local function finish()
  say(("%d passed, %d failed"):format(passed, failed))
  os.exit(failed == 0 and passed > 0 and 0 or 1)
end

local function wait_for(what, predicate, timeout_ms)
  if not vim.wait(timeout_ms or SERVER_WAIT_MS, predicate, 50) then
    error("timed out waiting for " .. what, 0)
  end
end

local function buffer_text(bufnr)
  return table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), "\n")
end

--- Every message the plugin shows, so commands that only notify can be checked.
local notifications = {}
vim.notify = function(message, level)
  notifications[#notifications + 1] = message
  say(("  [notify %s] %s"):format(tostring(level), message))
end

-- run.sh prints the tail of this log when a check fails.
vim.lsp.set_log_level(os.getenv("QUOTELINE_E2E_LSP_LOG") or "info")

vim.opt.runtimepath:prepend(plugin_dir)
vim.cmd("runtime plugin/quoteline.lua")
if legacy then
  vim.lsp.enable = nil
end

local quoteline = require("quoteline")
local setup_ok = quoteline.setup({
  cmd = { bin, "lsp" },
  minWords = 4,
  severity = { drift = "warning" },
})
if not setup_ok then
  say("not ok - setup() refused the options")
  os.exit(1)
end

-- A bad option is reported by name and nothing starts.
check("setup() rejects an unknown option by name", function()
  local before = #notifications
  assert(quoteline.setup({ cmd = { bin, "lsp" }, minWrods = 3 }) == false, "setup() accepted minWrods")
  assert(notifications[before + 1]:find("minWrods", 1, true), "the error does not name the key")
  -- Restore the good configuration.
  assert(quoteline.setup({ cmd = { bin, "lsp" }, minWords = 4, severity = { drift = "warning" } }))
end)

vim.cmd.edit(vim.fs.joinpath(workspace, "draft.md"))
local buf = vim.api.nvim_get_current_buf()
local original_text = buffer_text(buf)

local client
if not check("a quoteline client attaches to the Markdown draft", function()
  assert(vim.bo[buf].filetype == "markdown", "filetype is " .. vim.bo[buf].filetype)
  wait_for("the client to attach", function()
    return quoteline.clients(buf)[1] ~= nil
  end)
  client = quoteline.clients(buf)[1]
  assert(client.root_dir == workspace or vim.uv.fs_realpath(client.root_dir) == vim.uv.fs_realpath(workspace),
    "root_dir is " .. tostring(client.root_dir))
end) then
  finish()
end

local function lsp_request(method, params, timeout_ms)
  local responses, err = vim.lsp.buf_request_sync(buf, method, params, timeout_ms or SERVER_WAIT_MS)
  assert(responses, method .. ": " .. tostring(err))
  local response = responses[client.id]
  assert(response, method .. ": no answer from the quoteline client")
  assert(not response.err, method .. ": " .. vim.inspect(response.err))
  return response.result
end

local function drift_diagnostic()
  for _, diagnostic in ipairs(vim.diagnostic.get(buf)) do
    if diagnostic.code == "drift" then
      return diagnostic
    end
  end
end

local drift
check("a drift diagnostic from quoteline names the source and the changed word", function()
  wait_for("a drift diagnostic", function()
    return drift_diagnostic() ~= nil
  end)
  drift = drift_diagnostic()
  assert(drift.source == "quoteline", "source is " .. tostring(drift.source))
  assert(drift.severity == vim.diagnostic.severity.WARN, "severity is " .. tostring(drift.severity))
  assert(drift.message:find("[@state-dept-cable-2011]", 1, true), "message: " .. drift.message)
  assert(drift.message:find("‘far’", 1, true) and drift.message:find("‘much’", 1, true),
    "message does not give both words: " .. drift.message)
end)

-- The quote is on the third line of draft.md (0-based line 2); quote_col is a byte column.
local quote_line = 2
local quote_col = assert(vim.api.nvim_buf_get_lines(buf, quote_line, quote_line + 1, false)[1]:find("much more likely", 1, true),
  "draft.md's third line has no quote")
check("hover on the quote shows the source passage", function()
  vim.api.nvim_win_set_cursor(0, { quote_line + 1, quote_col + 2 })
  local result = lsp_request("textDocument/hover", vim.lsp.util.make_position_params(0, client.offset_encoding))
  assert(result and result.contents, "empty hover")
  local contents = result.contents
  local text = type(contents) == "string" and contents or contents.value or vim.inspect(contents)
  assert(text:find("far more likely to oppose it", 1, true), "hover: " .. text)
  assert(text:find("state-dept-cable-2011", 1, true), "hover lacks the key: " .. text)
end)

check("workspace/symbol finds corpus passages", function()
  local symbols = lsp_request("workspace/symbol", { query = "popular support" })
  assert(symbols and #symbols > 0, "no symbols")
  assert(symbols[1].location.uri:find("/corpus/", 1, true), "location: " .. symbols[1].location.uri)
end)

check(":QuotelineShowSource opens the cable in a vertical split", function()
  vim.api.nvim_win_set_cursor(0, { quote_line + 1, quote_col + 2 })
  local windows = #vim.api.nvim_tabpage_list_wins(0)
  vim.cmd("QuotelineShowSource")
  wait_for("a window showing the cable", function()
    return vim.api.nvim_buf_get_name(0):find("state%-dept%-cable%-2011%.txt$") ~= nil
  end)
  assert(#vim.api.nvim_tabpage_list_wins(0) == windows + 1, "no new split")
  vim.cmd("close")
  assert(vim.api.nvim_get_current_buf() == buf, "did not return to the draft")
end)

check(":QuotelineSearch offers passages and opens the chosen one", function()
  local offered
  vim.ui.select = function(items, _, on_choice)
    offered = items
    on_choice(items[1], 1)
  end
  vim.cmd("QuotelineSearch popular support")
  wait_for("vim.ui.select", function()
    return offered ~= nil
  end)
  assert(#offered > 0, "nothing offered")
  wait_for("the chosen passage to open", function()
    return vim.api.nvim_buf_get_name(0):find("/corpus/", 1, true) ~= nil
  end)
  vim.cmd.buffer(buf)
end)

check(":QuotelineReindex asks the server to reindex", function()
  local before = #notifications
  vim.cmd("QuotelineReindex")
  wait_for("the reindex answer", function()
    for i = before + 1, #notifications do
      if notifications[i]:find("reindex", 1, true) then
        return true
      end
    end
    return false
  end)
  for i = before + 1, #notifications do
    assert(not notifications[i]:find("failed", 1, true), notifications[i])
  end
end)

check("the quick fix replaces the quote with the source wording", function()
  assert(drift, "no drift diagnostic to fix")
  local lsp_diagnostic = drift.user_data and drift.user_data.lsp
  assert(lsp_diagnostic, "the diagnostic has no LSP data")
  local actions = lsp_request("textDocument/codeAction", {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    range = lsp_diagnostic.range,
    context = { diagnostics = { lsp_diagnostic }, only = { "quickfix" } },
  })
  assert(actions and #actions > 0, "no code actions")
  local fix
  for _, action in ipairs(actions) do
    if action.kind == "quickfix" and (action.title or ""):find("source wording", 1, true) then
      fix = action
    end
  end
  assert(fix, "no 'Replace with the source wording' quick fix among: "
    .. table.concat(vim.tbl_map(function(a) return a.title end, actions), " | "))
  if not fix.edit and not fix.command then
    fix = lsp_request("codeAction/resolve", fix)
  end
  if fix.edit then
    vim.lsp.util.apply_workspace_edit(fix.edit, client.offset_encoding)
  end
  if fix.command then
    lsp_request("workspace/executeCommand", fix.command)
  end
  local text = buffer_text(buf)
  assert(text ~= original_text, "the buffer did not change")
  assert(text:find("they are far more likely to oppose it than support it”", 1, true), "buffer: " .. text)
  assert(not text:find("much more likely", 1, true), "the drifted word is still there: " .. text)
  wait_for("the drift diagnostic to go away", function()
    return drift_diagnostic() == nil
  end)
end)

check("completion after [@ offers corpus keys", function()
  vim.api.nvim_buf_set_lines(buf, -1, -1, false, { "", "See [@" })
  local last = vim.api.nvim_buf_line_count(buf) - 1
  local result = lsp_request("textDocument/completion", {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    position = { line = last, character = #"See [@" },
    context = { triggerKind = 2, triggerCharacter = "@" },
  })
  local items = result and (result.items or result) or {}
  local labels = vim.tbl_map(function(item) return item.label end, items)
  assert(vim.tbl_contains(labels, "state-dept-cable-2011"), "labels: " .. table.concat(labels, ", "))
  for _, item in ipairs(items) do
    if item.label == "state-dept-cable-2011" then
      assert(item.detail and item.detail ~= "", "the key has no title in detail")
    end
  end
end)

check(":checkhealth quoteline finds the binary, its version and the corpus", function()
  -- :QuotelineReindex above restarted indexing; the report should show the finished index.
  wait_for("the index to be ready", function()
    return quoteline.status(buf):find("sources", 1, true) ~= nil
  end)
  vim.cmd("checkhealth quoteline")
  local report = buffer_text(0)
  local version_at = report:find("`quoteline --version`: quoteline ", 1, true)
  assert(version_at and report:find("^%d+%.%d+%.%d+", version_at + #"`quoteline --version`: quoteline "),
    "report:\n" .. report)
  assert(report:find("quoteline: %d+ sources, %d+ passages"), "no index status in the report:\n" .. report)
  assert(report:find("corpus: ", 1, true), "report:\n" .. report)
  assert(not report:find("ERROR", 1, true), "report has errors:\n" .. report)
end)

finish()
