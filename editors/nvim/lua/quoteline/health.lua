--- :checkhealth quoteline
local M = {}

local health = vim.health

local function configured_cmd()
  local ok, config = pcall(function()
    return vim.lsp.config and vim.lsp.config.quoteline
  end)
  if ok and config and config.cmd then
    return config.cmd
  end
  return require("quoteline").lsp_config().cmd
end

local function check_binary(cmd)
  if type(cmd) ~= "table" or type(cmd[1]) ~= "string" then
    health.warn("cmd is a function or not a list; cannot check the binary", { "Set cmd = { '/path/to/quoteline', 'lsp' }" })
    return
  end
  local path = vim.fn.exepath(cmd[1])
  if path == "" then
    health.error(("quoteline binary not found: %q"):format(cmd[1]), {
      "Install it: `cargo install --path .` in the quoteline repository",
      "or pass its path: require('quoteline').setup({ cmd = { '/path/to/quoteline', 'lsp' } })",
    })
    return
  end
  health.ok("binary: " .. path)
  local result = vim.system({ path, "--version" }, { text = true }):wait(5000)
  local version = vim.trim(result.stdout or "")
  if result.code == 0 and version:match("^quoteline %d+%.%d+%.%d+") then
    health.ok("`quoteline --version`: " .. version)
  else
    health.error(
      ("`%s --version` failed (exit %s): %s"):format(path, tostring(result.code), vim.trim((result.stderr or "") .. version)),
      { "Is this the quoteline binary? It should print `quoteline X.Y.Z`." }
    )
  end
end

local function check_corpus()
  local config = require("quoteline").lsp_config()
  local root = vim.fs.root(0, config.root_markers) or vim.fn.getcwd()
  local corpus = config.init_options.corpus or { "corpus" }
  local found = 0
  for _, entry in ipairs(corpus) do
    local path = vim.fs.joinpath(root, entry)
    if entry:sub(1, 1) == "/" then
      path = entry
    end
    if vim.uv.fs_stat(path) then
      health.ok("corpus: " .. path)
      found = found + 1
    else
      health.warn("corpus entry not found: " .. path)
    end
  end
  if found == 0 then
    health.error(("no corpus under %s"):format(root), {
      "Put source texts in a corpus/ directory at the project root",
      "or set corpus = { 'path/to/sources' } in setup()",
    })
  end
end

function M.check()
  health.start("quoteline")
  if vim.fn.has("nvim-0.10") == 0 then
    health.error("Neovim 0.10 or newer is needed")
  elseif vim.fn.has("nvim-0.11") == 0 then
    health.info("Neovim 0.10: clients start through the plugin's FileType autocommand")
  else
    health.ok("Neovim 0.11+: uses vim.lsp.config / vim.lsp.enable")
  end
  check_binary(configured_cmd())
  check_corpus()
  local clients = require("quoteline").clients()
  if #clients == 0 then
    health.info("no quoteline client is running")
  end
  for _, client in ipairs(clients) do
    health.info(("client %d running, root %s; %s"):format(client.id, client.root_dir or "?", require("quoteline").client_status(client)))
  end
end

return M
