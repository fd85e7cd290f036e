-- Default config for Neovim >= 0.11: `vim.lsp.enable("quoteline")` works without setup();
-- require("quoteline").setup({...}) layers options on top of this.
return require("quoteline").lsp_config()
