-- Neovim integration of fhc, the FireHOL toolchain: the `fhc lsp` language server and the
-- tree-sitter parser. One entry point for every Neovim since 0.7, because each release line
-- has a different LSP API:
--   0.11+      vim.lsp.config() + vim.lsp.enable()  (lsp/fhc.lua is the default config)
--   0.8-0.10   vim.lsp.start() from a FileType autocommand
--   0.7        vim.lsp.start_client() + vim.lsp.buf_attach_client(), one client per root
--
--   require('fhc').setup({ cmd = { '/path/to/fhc', 'lsp' } })
--   require('fhc').setup({ defines = { 'WAN_IP=203.0.113.10' } })   -- like `fhc --define`

local M = {}

--- Defaults; every field can be overridden in setup().
M.defaults = {
  name = 'fhc',
  cmd = { 'fhc', 'lsp' },
  filetypes = { 'firehol' },
  -- The server works on single files; a repository root only groups buffers into one client.
  root_markers = { '.git' },
  on_attach = nil,
  capabilities = nil,
  settings = {},
  -- Shell variables set before the configuration runs (`NAME=VALUE`, like `fhc --define`).
  defines = {},
}

local function has(version)
  return vim.fn.has('nvim-' .. version) == 1
end

--- The server configuration in the shape of `vim.lsp.config` (0.11+).
function M.config(opts)
  local o = vim.tbl_deep_extend('force', M.defaults, opts or {})
  return {
    cmd = o.cmd,
    filetypes = o.filetypes,
    root_markers = o.root_markers,
    on_attach = o.on_attach,
    capabilities = o.capabilities,
    settings = o.settings,
    init_options = { defines = o.defines },
  }
end

--- The nearest ancestor directory of the buffer's file holding a root marker, else the file's
--- directory, else the working directory.
local function root_dir(bufnr, markers)
  local file = vim.api.nvim_buf_get_name(bufnr)
  local dir = file ~= '' and vim.fn.fnamemodify(file, ':p:h') or vim.fn.getcwd()
  for _, marker in ipairs(markers or {}) do
    local found = vim.fn.finddir(marker, dir .. ';')
    if found == '' then
      found = vim.fn.findfile(marker, dir .. ';')
    end
    if found ~= '' then
      return vim.fn.fnamemodify(found, ':p:h:h')
    end
  end
  return dir
end

-- Neovim 0.7: client ids by root directory, so that buffers of one root share a server.
local clients = {}

--- Starts (or reuses) the server for `bufnr` on Neovim 0.7-0.10. Returns the client id.
function M.attach(bufnr, opts)
  local o = vim.tbl_deep_extend('force', M.defaults, opts or {})
  local root = root_dir(bufnr, o.root_markers)
  local config = {
    name = o.name,
    cmd = o.cmd,
    root_dir = root,
    on_attach = o.on_attach,
    capabilities = o.capabilities,
    settings = o.settings,
    init_options = { defines = o.defines },
  }
  if vim.lsp.start then
    local id
    -- 0.8 starts the client for the current buffer.
    vim.api.nvim_buf_call(bufnr, function()
      id = vim.lsp.start(config, { bufnr = bufnr })
    end)
    return id
  end
  local id = clients[root]
  if not id or not vim.lsp.get_client_by_id(id) then
    id = vim.lsp.start_client(config)
    if not id then
      vim.notify('fhc: could not start ' .. table.concat(o.cmd, ' '), vim.log.levels.ERROR)
      return nil
    end
    clients[root] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
  return id
end

--- Sets up the language server for FireHOL buffers (and attaches the ones already open).
function M.setup(opts)
  local o = vim.tbl_deep_extend('force', M.defaults, opts or {})
  if has('0.11') then
    vim.lsp.config(o.name, M.config(o))
    vim.lsp.enable(o.name)
    return
  end
  local group = vim.api.nvim_create_augroup('fhc_lsp', { clear = true })
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = o.filetypes,
    callback = function(args)
      M.attach(args.buf, o)
    end,
  })
  for _, buf in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(buf) and vim.tbl_contains(o.filetypes, vim.bo[buf].filetype) then
      M.attach(buf, o)
    end
  end
end

--- True when the compiled parser is on 'runtimepath'.
function M.has_parser()
  local so = vim.api.nvim_get_runtime_file('parser/firehol.so', false)
  return #so > 0
end

--- Highlights `bufnr` with the tree-sitter parser and queries/firehol/highlights.scm; false
--- (and the Vim syntax file stays) when the parser is not installed or cannot be loaded (e.g.
--- a parser built for another Neovim's tree-sitter ABI).
function M.start_treesitter(bufnr)
  if not M.has_parser() then
    return false
  end
  local ok, parser = pcall(vim.treesitter.get_parser, bufnr, 'firehol')
  if not ok or not parser then
    return false
  end
  -- Scheduled: the FileType autocommand of `:syntax on` runs after the ftplugin's and would
  -- turn the Vim syntax back on; the highlighter must come last to turn it off.
  vim.schedule(function()
    if not vim.api.nvim_buf_is_valid(bufnr) then
      return
    end
    if vim.treesitter.start then
      vim.treesitter.start(bufnr, 'firehol')
    else
      -- 0.7: no vim.treesitter.start; the highlighter clears 'syntax' itself.
      vim.treesitter.highlighter.new(parser)
    end
  end)
  return true
end

return M
