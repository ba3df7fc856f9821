-- Insert-mode keys for Atelier's ghost text (Neovim 0.12, vim.lsp.inline_completion), and the
-- statusline function. No key is taken from the user: when nothing is shown, every key does
-- what it did before the plugin mapped it (the buffer's or the global mapping it replaced,
-- else the key itself), so <Tab> still indents or drives a completion plugin.
local M = {}

-- The mapping `lhs` had in `bufnr` before ours (buffer-local first, then global), or nil.
local function previous(bufnr, lhs)
  local prev = vim.api.nvim_buf_call(bufnr, function()
    return vim.fn.maparg(lhs, 'i', false, true)
  end)
  if vim.tbl_isempty(prev) or (prev.desc or ''):find('^Atelier: ') then
    return nil
  end
  return prev
end

-- Do what `lhs` did before (called from our mapping when there is nothing to accept).
local function fall_back(lhs, prev)
  local function feed(keys, noremap)
    vim.api.nvim_feedkeys(vim.keycode(keys), noremap and 'in' or 'im', false)
  end
  if not prev then
    return feed(lhs, true)
  end
  local noremap = prev.noremap == 1
  if prev.expr == 1 then
    local keys = prev.callback and prev.callback() or vim.api.nvim_eval(prev.rhs)
    if type(keys) == 'string' and keys ~= '' then
      feed(keys, noremap)
    end
  elseif prev.callback then
    prev.callback()
  elseif prev.rhs and prev.rhs ~= '' then
    feed(prev.rhs, noremap)
  end
end

-- Map `lhs` in insert mode: `action()` returns true when it did something, else the previous
-- mapping runs.
local function map(bufnr, lhs, desc, action)
  if not lhs then
    return
  end
  local prev = previous(bufnr, lhs)
  vim.keymap.set('i', lhs, function()
    if not action() then
      fall_back(lhs, prev)
    end
  end, { buffer = bufnr, desc = 'Atelier: ' .. desc })
end

--- The part of an item's text after the cursor (what the ghost text shows), or nil.
function M.rest(item, bufnr)
  local text = item.insert_text
  if type(text) ~= 'string' then
    text = text and text.value
  end
  if type(text) ~= 'string' then
    return nil
  end
  local row, col = unpack(vim.api.nvim_win_get_cursor(vim.fn.bufwinid(bufnr)))
  if item.range then
    -- The item replaces range.start..cursor: what is already typed there is not inserted again.
    local start = item.range.start
    local typed = table.concat(vim.api.nvim_buf_get_text(bufnr, start.row, start.col, row - 1, col, {}), '\n')
    if text:sub(1, #typed) ~= typed then
      return nil
    end
    text = text:sub(#typed + 1)
  end
  return text
end

--- The first word of `text` (with the blanks before it), or its first line.
function M.piece(text, unit)
  if unit == 'line' then
    local nl = text:find('\n')
    if nl == 1 then -- at the end of a line: the next line, with its line break
      local nl2 = text:find('\n', 2)
      return nl2 and text:sub(1, nl2 - 1) or text
    end
    return nl and text:sub(1, nl - 1) or text
  end
  return text:match('^\n?%s*[%w_]+') or text:match('^\n?%s*[^%w_%s]+') or text:match('^%s+') or text
end

-- Insert the first word or line of the ghost text at the cursor; the rest comes back as a
-- new suggestion once the cursor moves.
local function accept_part(bufnr, unit)
  return vim.lsp.inline_completion.get({
    bufnr = bufnr,
    on_accept = function(item)
      local rest = M.rest(item, bufnr)
      if not rest or rest == '' then
        return
      end
      local piece = M.piece(rest, unit)
      local win = vim.fn.bufwinid(bufnr)
      local row, col = unpack(vim.api.nvim_win_get_cursor(win))
      local lines = vim.split(piece, '\n', { plain = true })
      vim.api.nvim_buf_set_text(bufnr, row - 1, col, row - 1, col, lines)
      vim.api.nvim_win_set_cursor(win, { row + #lines - 1, (#lines == 1 and col or 0) + #lines[#lines] })
    end,
  })
end

--- Set the buffer's insert-mode keys (keymaps: accept, accept_word, accept_line, dismiss,
--- next, prev; false leaves one unmapped).
function M.attach(bufnr, keymaps)
  local ic = vim.lsp.inline_completion
  map(bufnr, keymaps.accept, 'accept completion', function()
    return ic.get({ bufnr = bufnr })
  end)
  map(bufnr, keymaps.accept_word, 'accept word', function()
    return accept_part(bufnr, 'word')
  end)
  map(bufnr, keymaps.accept_line, 'accept line', function()
    return accept_part(bufnr, 'line')
  end)
  map(bufnr, keymaps.dismiss, 'dismiss completion', function()
    -- Accepting into a handler that does nothing hides the ghost text; the next keystroke or
    -- cursor move asks again.
    return ic.get({ bufnr = bufnr, on_accept = function() end })
  end)
  map(bufnr, keymaps.next, 'next completion', function()
    ic.select({ bufnr = bufnr, count = 1 })
    return true
  end)
  map(bufnr, keymaps.prev, 'previous completion', function()
    ic.select({ bufnr = bufnr, count = -1 })
    return true
  end)
end

-- The server's model-load progress, for the statusline.
local progress = {} ---@type table<integer, string> client id -> message ('' when done)

vim.api.nvim_create_autocmd('LspProgress', {
  group = vim.api.nvim_create_augroup('atelier.status', { clear = true }),
  callback = function(args)
    local client = vim.lsp.get_client_by_id(args.data.client_id)
    local value = args.data.params.value
    if not client or client.name ~= 'atelier' or type(value) ~= 'table' or not value.kind then
      return
    end
    progress[client.id] = value.kind == 'end' and '' or (value.message or value.title or '')
    vim.cmd.redrawstatus()
  end,
})

--- For 'statusline': '' where Atelier is not attached, else "Atelier" with its state:
--- "Atelier: loading model 40%", "Atelier" (ready), "Atelier: off" (toggled off here).
function M.statusline(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local client = vim.lsp.get_clients({ bufnr = bufnr, name = 'atelier' })[1]
  if not client then
    return ''
  end
  local busy = progress[client.id]
  if busy and busy ~= '' then
    return 'Atelier: ' .. busy
  end
  if vim.lsp.inline_completion and not vim.lsp.inline_completion.is_enabled({ bufnr = bufnr }) then
    return 'Atelier: off'
  end
  return 'Atelier'
end

return M
