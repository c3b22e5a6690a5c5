-- Headless Neovim opens a valid FireHOL file through the shipped runtime files and reports, for
-- each probe position, the highlighting it gets:
--   FHC_MODE=syntax      the Vim syntax file (syntax/firehol.vim): syntax item and final group;
--   FHC_MODE=treesitter  the compiled parser (FHC_PARSER_RTP/parser/firehol.so) and
--                        queries/firehol/highlights.scm: the captures at the position and the
--                        groups Neovim maps them to; and whether the ftplugin started the
--                        tree-sitter highlighter.
-- FHC_PROBES is a JSON file of [line, col] pairs (0-based); FHC_OUT receives the JSON result.

local common = dofile(assert(os.getenv('FHC_REPO'), 'FHC_REPO not set') .. '/tests/editors/nvim/common.lua')

--- The group a capture is finally drawn with, its links followed (0.7: through the
--- highlighter's hl_map; later: the `@capture` group itself), as the syntax probes report theirs.
local function capture_group(name)
  local hl = vim.treesitter.highlighter
  local id
  if hl and hl.hl_map then
    local g = hl.hl_map[name]
    if not g or g == '__notfound' then
      return vim.NIL
    end
    id = vim.fn.hlID(g)
  else
    id = vim.fn.hlID('@' .. name)
  end
  return id > 0 and vim.fn.synIDattr(vim.fn.synIDtrans(id), 'name') or vim.NIL
end

local function get_query(lang, name)
  local q = vim.treesitter.query
  if q.get then
    return q.get(lang, name)
  end
  return q.get_query(lang, name)
end

common.run(function()
  local mode = common.env('FHC_MODE')
  local buf = common.open(function()
    if mode == 'treesitter' then
      vim.opt.runtimepath:append(common.env('FHC_PARSER_RTP'))
    else
      vim.g.firehol_treesitter = false
    end
  end)
  local probes = vim.fn.json_decode(common.read(common.env('FHC_PROBES')))

  local result = { filetype = vim.bo[buf].filetype, probes = {}, resolved = {} }
  -- The expected groups, their links followed in this Neovim (0.10+ links differently).
  for name in string.gmatch(os.getenv('FHC_GROUPS') or '', '[^,]+') do
    result.resolved[name] = vim.fn.synIDattr(vim.fn.synIDtrans(vim.fn.hlID(name)), 'name')
  end
  if mode == 'syntax' then
    result.syntax = vim.bo[buf].syntax
    for _, p in ipairs(probes) do
      local id = vim.fn.synID(p[1] + 1, p[2] + 1, 1)
      table.insert(result.probes, {
        item = vim.fn.synIDattr(id, 'name'),
        group = vim.fn.synIDattr(vim.fn.synIDtrans(id), 'name'),
      })
    end
  else
    result.highlighter_active = vim.wait(10000, function()
      return vim.treesitter.highlighter.active[buf] ~= nil
    end, 20)
    result.syntax = vim.bo[buf].syntax
    local parser = vim.treesitter.get_parser(buf, 'firehol')
    local tree = parser:parse()[1]
    local root = tree:root()
    result.has_error = root:has_error()
    local query = get_query('firehol', 'highlights')
    for _, p in ipairs(probes) do
      local captures, groups = {}, {}
      for id, node in query:iter_captures(root, buf, p[1], p[1] + 1) do
        local sr, sc, er, ec = node:range()
        local after_start = sr < p[1] or (sr == p[1] and sc <= p[2])
        local before_end = er > p[1] or (er == p[1] and ec > p[2])
        if after_start and before_end then
          local name = query.captures[id]
          table.insert(captures, name)
          table.insert(groups, capture_group(name))
        end
      end
      table.insert(result.probes, { captures = captures, groups = groups })
    end
  end
  return result
end)
