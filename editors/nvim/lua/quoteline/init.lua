--- quoteline for Neovim: starts `quoteline lsp` for prose buffers and adds the commands
--- that plain LSP does not give (corpus search, show source, reindex, restart).
---
--- Keys of setup() in camelCase are server options (src/options.json); snake_case keys
--- configure the client. See :help quoteline.
local options = require("quoteline.options")

local M = {}

local CLIENT_NAME = "quoteline"

--- Client settings and their defaults.
local client_defaults = {
  cmd = { "quoteline", "lsp" },
  filetypes = { "markdown", "tex", "text", "typst", "rst", "org" },
  root_markers = { "quoteline.toml", "corpus", ".git" },
  on_attach = nil,
  capabilities = nil,
}

local state = {
  client = vim.deepcopy(client_defaults),
  server = {},
  -- Last `quoteline/status` per client id, for statuslines.
  status = {},
}

local function notify(message, level)
  vim.notify("quoteline: " .. message, level or vim.log.levels.INFO)
end

--- An empty Lua table encodes as a JSON array; the server expects objects.
local function as_object(tbl)
  return next(tbl) == nil and vim.empty_dict() or tbl
end

--- Asks again for the pull diagnostics of every buffer the client serves. Neovim 0.11 pulls
--- diagnostics when a buffer opens or changes but has no handler for the server's
--- `workspace/diagnostic/refresh`, so a buffer opened while the corpus was still being indexed
--- would keep its empty first answer until the next edit.
local function pull_diagnostics(client)
  if not (client.server_capabilities and client.server_capabilities.diagnosticProvider) then
    return -- the server pushes diagnostics instead
  end
  for bufnr in pairs(client.attached_buffers) do
    local params = { textDocument = { uri = vim.uri_from_bufnr(bufnr) } }
    if vim.fn.has("nvim-0.11") == 1 then
      client:request("textDocument/diagnostic", params, vim.lsp.diagnostic.on_diagnostic, bufnr)
    else
      client.request("textDocument/diagnostic", params, vim.lsp.diagnostic.on_diagnostic, bufnr)
    end
  end
end

local function on_status(_, params, ctx)
  state.status[ctx.client_id] = params
  local client = vim.lsp.get_client_by_id(ctx.client_id)
  if client and params.state == "ready" then
    pull_diagnostics(client)
  end
  vim.api.nvim_exec_autocmds("User", { pattern = "QuotelineStatus", data = params, modeline = false })
end

--- The LSP client configuration, usable with vim.lsp.config() and vim.lsp.start().
function M.lsp_config()
  local server = as_object(vim.deepcopy(state.server))
  return {
    name = CLIENT_NAME,
    cmd = state.client.cmd,
    filetypes = state.client.filetypes,
    root_markers = state.client.root_markers,
    init_options = server,
    -- Answers the server's workspace/configuration request for section "quoteline".
    settings = { quoteline = server },
    on_attach = state.client.on_attach,
    capabilities = state.client.capabilities,
    handlers = { ["quoteline/status"] = on_status },
  }
end

local function has_native_config()
  return vim.lsp.config ~= nil and vim.lsp.enable ~= nil
end

--- Starts (or reuses) the client for one buffer. Used by the Neovim 0.10 fallback and by
--- :QuotelineRestart on every version.
function M.start(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local config
  if has_native_config() then
    -- The merged result of lsp/quoteline.lua and any vim.lsp.config() calls.
    config = vim.deepcopy(vim.lsp.config[CLIENT_NAME] or M.lsp_config())
  else
    config = M.lsp_config()
  end
  local markers = config.root_markers or client_defaults.root_markers
  config.root_dir = config.root_dir or vim.fs.root(bufnr, markers) or vim.fn.getcwd()
  return vim.lsp.start(config, { bufnr = bufnr })
end

--- Splits setup() options into client and server options, reporting every bad key at once.
local function read_setup_options(opts)
  local client, server, problems = vim.deepcopy(client_defaults), {}, {}
  for key, value in pairs(opts or {}) do
    if client_defaults[key] ~= nil or key == "on_attach" or key == "capabilities" then
      client[key] = value
    else
      vim.list_extend(problems, options.check(key, value))
      server[key] = value
    end
  end
  if type(client.cmd) == "string" then
    client.cmd = { client.cmd, "lsp" }
  end
  return client, server, problems
end

local fallback_group = vim.api.nvim_create_augroup("quoteline.start", { clear = true })

--- Configures and enables the language server. Call once from your config.
function M.setup(opts)
  local client, server, problems = read_setup_options(opts)
  if #problems > 0 then
    notify("setup(): " .. table.concat(problems, "; ") .. ". The server is not started.", vim.log.levels.ERROR)
    return false
  end
  state.client, state.server = client, server

  if has_native_config() then
    vim.lsp.config(CLIENT_NAME, M.lsp_config())
    vim.lsp.enable(CLIENT_NAME)
  else
    vim.api.nvim_clear_autocmds({ group = fallback_group })
    vim.api.nvim_create_autocmd("FileType", {
      group = fallback_group,
      pattern = client.filetypes,
      callback = function(args)
        M.start(args.buf)
      end,
    })
    -- Buffers opened before setup() ran (e.g. a file given on the command line).
    for _, buf in ipairs(vim.api.nvim_list_bufs()) do
      if vim.api.nvim_buf_is_loaded(buf) and vim.tbl_contains(client.filetypes, vim.bo[buf].filetype) then
        M.start(buf)
      end
    end
  end
  return true
end

--- The filetypes the client starts for.
function M.filetypes()
  return state.client.filetypes
end

--- The quoteline clients attached to a buffer (0: current), or all of them.
function M.clients(bufnr)
  local filter = { name = CLIENT_NAME }
  if bufnr ~= nil then
    filter.bufnr = bufnr
  end
  return vim.lsp.get_clients(filter)
end

--- A short index state for statuslines, e.g. "quoteline: 5 sources, 212 passages".
function M.status(bufnr)
  return M.client_status(M.clients(bufnr or 0)[1])
end

--- The same for one client (nil: "").
function M.client_status(client)
  local status = client and state.status[client.id]
  if not client then
    return ""
  elseif not status then
    return "quoteline: starting"
  elseif status.state == "indexing" then
    return "quoteline: indexing"
  elseif status.state == "ready" then
    return ("quoteline: %d sources, %d passages"):format(status.sources, status.passages)
  else
    return "quoteline: error" .. (status.message and (" (" .. status.message .. ")") or "")
  end
end

return M
