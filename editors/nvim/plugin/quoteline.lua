-- User commands only; nothing starts until require("quoteline").setup() or
-- vim.lsp.enable("quoteline") runs, so loading this file costs nothing.
if vim.g.loaded_quoteline then
  return
end
vim.g.loaded_quoteline = true

local function command(name, fn, opts)
  vim.api.nvim_create_user_command(name, function(args)
    fn(args)
  end, opts)
end

command("QuotelineSearch", function(args)
  require("quoteline.commands").search(args.args)
end, { nargs = "*", desc = "quoteline: search the corpus (workspace/symbol)" })
command("QuotelineShowSource", function()
  require("quoteline.commands").show_source()
end, { desc = "quoteline: open the source of the quote under the cursor in a vertical split" })
command("QuotelineReindex", function()
  require("quoteline.commands").reindex()
end, { desc = "quoteline: reindex the corpus" })
command("QuotelineRestart", function()
  require("quoteline.commands").restart()
end, { desc = "quoteline: restart the language server" })
