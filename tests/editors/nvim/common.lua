-- What the headless Neovim test scripts share: the environment they are driven by, opening the
-- file through the shipped runtime files, and writing the result (or the error) as JSON to
-- FHC_OUT before quitting, so that the calling test always has something to report.

local M = {}

function M.env(name)
  local value = assert(os.getenv(name), name .. ' not set')
  return value
end

--- Runs `body` (which returns a table) and writes its result, or its error, to FHC_OUT.
function M.run(body)
  local ok, result = pcall(body)
  if not ok then
    result = { error = tostring(result) }
  end
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
