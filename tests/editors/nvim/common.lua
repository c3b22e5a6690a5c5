-- What the headless Neovim test scripts share: the environment they are driven by, opening the
-- file through the shipped runtime files, and writing the result (or the error) as JSON to
-- FHC_OUT before quitting, so that the calling test always has something to report.

local M = {}

function M.env(name)
  local value = assert(os.getenv(name), name .. ' not set')
  return value
end

--- Warnings Neovim gave while the script ran: deprecated functions called (vim.deprecate) and
--- notifications at WARN level or above. The calling test wants none.
M.warnings = {}

local deprecate = vim.deprecate
vim.deprecate = function(name, alternative, ...)
  table.insert(M.warnings, 'deprecated: ' .. tostring(name) .. ' (use ' .. tostring(alternative) .. ')')
  return deprecate(name, alternative, ...)
end
local notify = vim.notify
vim.notify = function(msg, level, opts)
  if level and level >= vim.log.levels.WARN then
    table.insert(M.warnings, tostring(msg))
  end
  return notify(msg, level, opts)
end

--- The LSP clients attached to a buffer (`get_clients` since 0.10, `buf_get_clients` before).
function M.clients(buf)
  if vim.lsp.get_clients then
    return vim.lsp.get_clients({ bufnr = buf })
  end
  return vim.tbl_values(vim.lsp.buf_get_clients(buf))
end

--- Runs `body` (which returns a table) and writes its result, or its error, to FHC_OUT, with
--- the warnings Neovim gave meanwhile.
function M.run(body)
  local ok, result = pcall(body)
  if not ok then
    result = { error = tostring(result) }
  end
  result.warnings = M.warnings
  local f = assert(io.open(M.env('FHC_OUT'), 'w'))
  f:write(vim.fn.json_encode(result))
  f:close()
  vim.cmd('qall!')
end

--- Puts editors/nvim on 'runtimepath', calls `before` (set-up that must precede the filetype
--- plugins), enables filetype plugins and syntax as a user's config would, and opens FHC_FILE.
--- Returns its buffer.
function M.open(before)
  vim.opt.runtimepath:prepend(M.env('FHC_REPO') .. '/editors/nvim')
  if before then
    before()
  end
  vim.cmd('filetype plugin on')
  vim.cmd('syntax on')
  vim.cmd('edit ' .. vim.fn.fnameescape(M.env('FHC_FILE')))
  return vim.api.nvim_get_current_buf()
end

function M.read(path)
  local f = assert(io.open(path, 'r'))
  local s = f:read('*a')
  f:close()
  return s
end

return M
