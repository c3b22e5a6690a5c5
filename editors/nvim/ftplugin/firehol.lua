-- FireHOL buffers: shell-style comments, and tree-sitter highlighting when the parser is
-- installed (parser/firehol.so on 'runtimepath', see build-parser.sh). Without the parser, or
-- with `vim.g.firehol_treesitter = false`, the Vim syntax file (syntax/firehol.vim) highlights.

if vim.b.did_ftplugin then
  return
end
vim.b.did_ftplugin = true

vim.bo.commentstring = '# %s'
vim.bo.comments = ':#'
vim.b.undo_ftplugin = 'setlocal commentstring< comments<'

if vim.g.firehol_treesitter ~= false then
  require('fhc').start_treesitter(vim.api.nvim_get_current_buf())
end
