-- The fhc language server for Neovim 0.11+ (`vim.lsp.enable('fhc')` finds this file on
-- 'runtimepath'; `vim.lsp.config('fhc', {...})` overrides any field).
return require('fhc').config()
