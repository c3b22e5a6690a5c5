-- Headless Neovim as a real LSP client of `fhc lsp`, through the shipped runtime files only:
--   FHC_REPO=... FHC_BIN=.../fhc FHC_FILE=.../firehol.conf FHC_OUT=out.json \
--     nvim --headless -u NONE -i NONE -n -S diagnostics.lua
-- It opens FHC_FILE (filetype from ftdetect), lets require('fhc').setup() start the server,
-- waits for the diagnostics Neovim received and writes them to FHC_OUT as JSON.

local common = dofile(assert(os.getenv('FHC_REPO'), 'FHC_REPO not set') .. '/tests/editors/nvim/common.lua')

common.run(function()
  local buf = common.open(function()
    require('fhc').setup({ cmd = { common.env('FHC_BIN'), 'lsp' } })
  end)
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

  local clients, pulled = {}, false
  for _, c in ipairs(common.clients(buf)) do
    table.insert(clients, c.name)
    -- The server offers pull diagnostics only to a client that announced them.
    pulled = pulled or (c.server_capabilities or {}).diagnosticProvider ~= nil
  end

  local v = vim.version()
  return {
    nvim = v.major .. '.' .. v.minor .. '.' .. v.patch,
    filetype = vim.bo[buf].filetype,
    clients = clients,
    pulled = pulled,
    received = got,
    diagnostics = diagnostics,
    severity = { error = vim.diagnostic.severity.ERROR, warn = vim.diagnostic.severity.WARN },
  }
end)
