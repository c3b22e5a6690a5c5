-- Headless Neovim as a real LSP client of `fhc lsp`, through the shipped runtime files only:
--   FHC_REPO=... FHC_BIN=.../fhc FHC_FILE=.../firehol.conf FHC_OUT=out.json \
--     nvim --headless -u NONE -i NONE -n -S diagnostics.lua
-- It opens FHC_FILE (filetype from ftdetect), lets require('fhc').setup() start the server,
-- waits for the diagnostics Neovim received and writes them to FHC_OUT as JSON. Every failure
-- is written to FHC_OUT too, so the calling test reports it.

local out = assert(os.getenv('FHC_OUT'), 'FHC_OUT not set')

local function finish(result)
  local f = assert(io.open(out, 'w'))
  f:write(vim.fn.json_encode(result))
  f:close()
  vim.cmd('qall!')
end

local ok, err = pcall(function()
  local repo = assert(os.getenv('FHC_REPO'), 'FHC_REPO not set')
  vim.opt.runtimepath:prepend(repo .. '/editors/nvim')
  vim.cmd('filetype plugin on')
  vim.cmd('syntax on')
  require('fhc').setup({ cmd = { assert(os.getenv('FHC_BIN'), 'FHC_BIN not set'), 'lsp' } })

  local file = assert(os.getenv('FHC_FILE'), 'FHC_FILE not set')
  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  local buf = vim.api.nvim_get_current_buf()
  local got = vim.wait(30000, function()
    return #vim.diagnostic.get(buf) > 0
  end, 50)

  local diagnostics = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    local code = d.code
    if code == nil and d.user_data and d.user_data.lsp then
      code = d.user_data.lsp.code
    end
    table.insert(diagnostics, {
      lnum = d.lnum,
      col = d.col,
      severity = d.severity,
      code = code,
      source = d.source,
      message = d.message,
    })
  end
  table.sort(diagnostics, function(a, b)
    if a.lnum ~= b.lnum then
      return a.lnum < b.lnum
    end
    return tostring(a.code) < tostring(b.code)
  end)

  local clients = {}
  for _, c in pairs(vim.lsp.buf_get_clients(buf)) do
    table.insert(clients, c.name)
  end

  finish({
    nvim = tostring(vim.version().major) .. '.' .. vim.version().minor .. '.' .. vim.version().patch,
    filetype = vim.bo[buf].filetype,
    clients = clients,
    received = got,
    diagnostics = diagnostics,
    severity = { error = vim.diagnostic.severity.ERROR, warn = vim.diagnostic.severity.WARN },
  })
end)
if not ok then
  finish({ error = tostring(err) })
end
