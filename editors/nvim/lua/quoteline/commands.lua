--- The user commands: :QuotelineSearch, :QuotelineShowSource, :QuotelineReindex, :QuotelineRestart.
local quoteline = require("quoteline")

local M = {}

local function notify(message, level)
  vim.notify("quoteline: " .. message, level or vim.log.levels.INFO)
end

--- Client methods take self in 0.11 and later (client:request()) but not in 0.10 (client.request()).
local function call(client, method, ...)
  if vim.fn.has("nvim-0.11") == 1 then
    return client[method](client, ...)
  end
  return client[method](...)
end

local function request(client, method, params, handler, bufnr)
  return call(client, "request", method, params, handler, bufnr)
end

local function client_or_warn(bufnr)
  local client = quoteline.clients(bufnr)[1] or quoteline.clients()[1]
  if not client then
    notify("the language server is not running (open a Markdown, TeX or text file, or :QuotelineRestart)", vim.log.levels.WARN)
  end
  return client
end

local function show_location(client, location, split)
  if split then
    vim.cmd("vsplit")
  end
  vim.lsp.util.show_document(location, client.offset_encoding, { focus = true, reuse_win = not split })
end

--- Lists corpus passages matching `query` (workspace/symbol) and opens the chosen one.
function M.search(query)
  local client = client_or_warn(0)
  if not client then
    return
  end
  local function run(text)
    if text == nil then
      return
    end
    request(client, "workspace/symbol", { query = text }, function(err, symbols)
      if err then
        notify("workspace/symbol failed: " .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
        return
      end
      if not symbols or #symbols == 0 then
        notify(("no corpus passage matches %q"):format(text))
        return
      end
      vim.ui.select(symbols, {
        prompt = "Corpus passages",
        format_item = function(symbol)
          local container = symbol.containerName and ("  [" .. symbol.containerName .. "]") or ""
          return symbol.name .. container
        end,
      }, function(choice)
        if choice and choice.location and choice.location.range then
          show_location(client, choice.location, false)
        end
      end)
    end, 0)
  end
  if query and query ~= "" then
    run(query)
  else
    vim.ui.input({ prompt = "Search corpus: " }, run)
  end
end

--- Opens the source passage of the quote under the cursor in a vertical split.
function M.show_source()
  local client = client_or_warn(0)
  if not client then
    return
  end
  local params = vim.lsp.util.make_position_params(0, client.offset_encoding)
  request(client, "textDocument/definition", params, function(err, result)
    if err then
      notify("textDocument/definition failed: " .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
      return
    end
    -- A Location, a list of Locations, or a list of LocationLinks.
    local target = result and (result.uri and result or result[1])
    if not target then
      notify("no source passage for the text at the cursor")
      return
    end
    show_location(client, target, true)
  end, 0)
end

function M.reindex()
  local client = client_or_warn(0)
  if not client then
    return
  end
  request(client, "workspace/executeCommand", { command = "quoteline.reindex", arguments = {} }, function(err)
    if err then
      notify("reindexing failed: " .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
    else
      notify("corpus reindexed")
    end
  end, 0)
end

--- Stops every quoteline client and starts one again for each buffer they served.
function M.restart()
  local buffers = {}
  local clients = quoteline.clients()
  for _, client in ipairs(clients) do
    for bufnr in pairs(client.attached_buffers) do
      buffers[#buffers + 1] = bufnr
    end
    call(client, "stop")
  end
  if #buffers == 0 and vim.tbl_contains(quoteline.filetypes(), vim.bo.filetype) then
    -- Nothing was running (e.g. the binary was missing): start for the current buffer.
    buffers[1] = vim.api.nvim_get_current_buf()
  end
  local stopped = vim.wait(5000, function()
    for _, client in ipairs(clients) do
      if not call(client, "is_stopped") then
        return false
      end
    end
    return true
  end, 50)
  if not stopped then
    for _, client in ipairs(clients) do
      call(client, "stop", true)
    end
  end
  for _, bufnr in ipairs(buffers) do
    if vim.api.nvim_buf_is_valid(bufnr) then
      quoteline.start(bufnr)
    end
  end
  notify(("restarted for %d buffer(s)"):format(#buffers))
end

return M
