-- Atelier for Neovim >= 0.11: registers `atelier serve` as a language server and shows its
-- completions as ghost text (vim.lsp.inline_completion, Neovim 0.12) or, where that module
-- does not exist (0.11), as one multi-line item in the popup menu (vim.lsp.completion).
--
--   require('atelier').setup({
--     cmd = { '/path/to/atelier/.venv/bin/atelier', 'serve' },
--     settings = { completion = { max_tokens = 64 } },   -- sent as initializationOptions
--   })
local M = {}

local NAME = 'atelier'

M.defaults = {
  cmd = { 'atelier', 'serve' },
  -- The languages Atelier parses with tree-sitter; any other filetype still gets completions
  -- from its text, so users may add theirs.
  filetypes = { 'python', 'javascript', 'javascriptreact', 'typescript', 'typescriptreact', 'go',
    'rust', 'java', 'c', 'cpp', 'cs' },
  root_markers = { '.git', 'pyproject.toml', 'package.json', 'go.mod', 'Cargo.toml' },
  -- Server settings, shaped like the server's: { model = {...}, completion = {...} }.
  settings = {},
  -- nil: ghost text where Neovim has vim.lsp.inline_completion, else the popup.
  inline = nil,
  -- Insert-mode keys; false disables one. With nothing shown, each does what it did before
  -- (the mapping it replaced, else the key itself): see keys.lua.
  keymaps = {
    accept = '<Tab>', -- accept the ghost text
    accept_word = '<M-Right>', -- accept its next word / the rest of its line
    accept_line = '<M-C-Right>',
    dismiss = '<C-]>', -- hide it (it comes back on the next keystroke)
    next = '<M-]>', -- next / previous candidate
    prev = '<M-[>',
    trigger = '<C-Space>', -- popup mode: ask for a completion now
  },
}

M.config = vim.deepcopy(M.defaults)

local function use_inline()
  if M.config.inline == nil then
    return vim.lsp.inline_completion ~= nil
  end
  return M.config.inline and vim.lsp.inline_completion ~= nil
end

local function map(bufnr, lhs, rhs, desc, expr)
  if lhs then
    vim.keymap.set('i', lhs, rhs, { buffer = bufnr, expr = expr, desc = 'Atelier: ' .. desc })
  end
end

local function on_attach(client, bufnr)
  local keys = M.config.keymaps
  require('atelier.next_edit').attach(client, bufnr, M.config.next_edit) -- next-edit suggestions (next_edit.lua)
  if use_inline() then
    -- Scoped to the buffer: other servers' buffers keep their own choice.
    vim.lsp.inline_completion.enable(true, { bufnr = bufnr })
    require('atelier.keys').attach(bufnr, keys) -- accept, word, line, dismiss, cycle (keys.lua)
  else
    -- Neovim 0.11: the server's item in the popup; <C-n>/<C-p> cycle, <C-y> accepts.
    -- Autotrigger asks on the server's trigger characters ('.', '(').
    vim.lsp.completion.enable(true, client.id, bufnr, { autotrigger = true })
    -- One item is the norm here: show it (menuone) with its full text (popup) and insert it
    -- only on <C-y> (noinsert), instead of Vim's default of inserting a single match at once.
    vim.opt_local.completeopt = { 'menuone', 'noinsert', 'popup' }
    map(bufnr, keys.trigger, function()
      vim.lsp.completion.get()
    end, 'complete')
  end
end

--- Send changed settings to the running server (workspace/didChangeConfiguration); they are
--- merged onto the current ones, and a model.* change reloads the model.
function M.configure(settings)
  M.config.settings = vim.tbl_deep_extend('force', M.config.settings, settings)
  for _, client in ipairs(vim.lsp.get_clients({ name = NAME })) do
    client.settings = { atelier = M.config.settings }
    client:notify('workspace/didChangeConfiguration', { settings = { atelier = settings } })
  end
end

--- For 'statusline': `%{v:lua.require'atelier'.statusline()}` ('' where Atelier is not attached).
function M.statusline(bufnr)
  return require('atelier.keys').statusline(bufnr)
end

local function command(args)
  local sub = args.fargs[1]
  if sub == 'toggle' and use_inline() then
    local buf = vim.api.nvim_get_current_buf()
    local on = vim.lsp.inline_completion.is_enabled({ bufnr = buf })
    vim.lsp.inline_completion.enable(not on, { bufnr = buf })
    vim.notify('Atelier inline completion ' .. (on and 'off' or 'on'))
  elseif sub == 'set' and args.fargs[2] and args.fargs[3] then
    -- :Atelier set completion.max_tokens 64
    local value = vim.json.decode(args.fargs[3])
    local path = vim.split(args.fargs[2], '.', { plain = true })
    local settings = {}
    local node = settings
    for i = 1, #path - 1 do
      node[path[i]] = {}
      node = node[path[i]]
    end
    node[path[#path]] = value
    M.configure(settings)
  elseif sub == 'status' or sub == nil then
    local clients = vim.lsp.get_clients({ name = NAME })
    local progress = vim.lsp.status() -- consumes the pending progress messages: call once
    local state = #clients == 0 and 'not running' or ('running' .. (progress ~= '' and ', ' .. progress or ''))
    vim.notify(('Atelier: %s, %s completion'):format(state, use_inline() and 'inline' or 'popup'))
  else
    vim.notify('usage: :Atelier [status | toggle | set <setting> <json value>]', vim.log.levels.WARN)
  end
end

function M.setup(opts)
  if vim.fn.has('nvim-0.11') == 0 then
    vim.notify('Atelier needs Neovim 0.11 or newer', vim.log.levels.ERROR)
    return
  end
  M.config = vim.tbl_deep_extend('force', vim.deepcopy(M.defaults), opts or {})
  -- Lists replace the defaults instead of being merged index by index.
  for _, key in ipairs({ 'cmd', 'filetypes', 'root_markers' }) do
    if opts and opts[key] then
      M.config[key] = opts[key]
    end
  end

  vim.lsp.config(NAME, {
    cmd = M.config.cmd,
    filetypes = M.config.filetypes,
    root_markers = M.config.root_markers,
    -- nil rather than {}: an empty Lua table could go out as a JSON array.
    init_options = next(M.config.settings) and M.config.settings or nil,
  })
  vim.api.nvim_create_autocmd('LspAttach', {
    group = vim.api.nvim_create_augroup('atelier', { clear = true }),
    callback = function(args)
      local client = vim.lsp.get_client_by_id(args.data.client_id)
      if client and client.name == NAME then
        on_attach(client, args.buf)
      end
    end,
  })
  vim.api.nvim_create_user_command('Atelier', command, {
    nargs = '*',
    complete = function()
      return { 'status', 'toggle', 'set' }
    end,
    desc = 'Atelier: status, toggle inline completion, change a setting',
  })
  require('atelier.chat').setup() -- :AtelierChat, :AtelierEdit, Edit with instruction… (chat.lua)
  vim.lsp.enable(NAME)
end

return M
