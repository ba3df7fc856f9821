-- Next-edit suggestions in Neovim: after a change, ask Atelier for the edit that follows
-- (textDocument/copilotInlineEdit), show it as virtual text where it would go, and let a key
-- jump there and another accept it, wherever it is in the buffer.
local M = {}

M.defaults = {
  debounce_ms = 250,
  jump = '<M-n>', -- normal and insert mode: move the cursor to the next edit
  accept = '<M-y>', -- normal and insert mode: apply the next edit (and ask for the one after)
}

local ns = vim.api.nvim_create_namespace('atelier.next_edit')
local state = {} -- bufnr -> { client, edit }

local function buf(bufnr)
  return (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
end

--- The edit on offer in `bufnr` ({text, range, command, textDocument}), or nil.
function M.current(bufnr)
  local s = state[buf(bufnr)]
  return s and s.edit
end

local function clear(bufnr)
  vim.api.nvim_buf_clear_namespace(bufnr, ns, 0, -1)
  if state[bufnr] then
    state[bufnr].edit = nil
  end
end

local function show(bufnr, edit)
  clear(bufnr)
  state[bufnr].edit = edit
  local r = edit.range
  local old = table.concat(vim.api.nvim_buf_get_text(bufnr, r.start.line, r.start.character, r['end'].line, r['end'].character, {}), '\n')
  local label = old ~= '' and ('%s → %s'):format(old, edit.text) or ('+ ' .. edit.text)
  vim.api.nvim_buf_set_extmark(bufnr, ns, r.start.line, 0, {
    virt_text = { { '  ⇥ next edit: ' .. label:gsub('\n', '⏎'), 'Comment' } },
    virt_text_pos = 'eol',
  })
  if r['end'].line == r.start.line and r['end'].character > r.start.character then
    pcall(vim.api.nvim_buf_set_extmark, bufnr, ns, r.start.line, r.start.character,
      { end_col = r['end'].character, hl_group = 'DiffChange' })
  end
end

--- Ask the server for the next edit at the cursor, and show it.
function M.request(bufnr)
  bufnr = buf(bufnr)
  local s = state[bufnr]
  if not s or not vim.api.nvim_buf_is_valid(bufnr) then
    return
  end
  local params = vim.lsp.util.make_position_params(0, s.client.offset_encoding)
  params.textDocument.version = vim.lsp.util.buf_versions[bufnr]
  s.client:request('textDocument/copilotInlineEdit', params, function(err, result)
    M.last_response = { err = err, result = result, version = vim.lsp.util.buf_versions[bufnr] }
    if err or not result or not result.edits or #result.edits == 0 then
      return
    end
    local edit = result.edits[1]
    if edit.textDocument and edit.textDocument.version ~= vim.lsp.util.buf_versions[bufnr] then
      return -- the buffer changed since: stale
    end
    show(bufnr, edit)
  end, bufnr)
end

--- Move the cursor to the next edit.
function M.jump(bufnr)
  bufnr = buf(bufnr)
  local edit = M.current(bufnr)
  if not edit then
    return false
  end
  local line = vim.api.nvim_buf_get_lines(bufnr, edit.range.start.line, edit.range.start.line + 1, false)[1] or ''
  local col = vim.str_byteindex(line, state[bufnr].client.offset_encoding or 'utf-16', edit.range.start.character, false)
  vim.api.nvim_win_set_cursor(0, { edit.range.start.line + 1, col })
  return true
end

--- Apply the next edit, record its acceptance, and ask for the one after.
function M.accept(bufnr)
  bufnr = buf(bufnr)
  local s, edit = state[bufnr], M.current(bufnr)
  if not edit then
    return false
  end
  clear(bufnr)
  vim.lsp.util.apply_text_edits({ { range = edit.range, newText = edit.text } }, bufnr, s.client.offset_encoding)
  if edit.command then
    s.client:exec_cmd(edit.command, { bufnr = bufnr })
  end
  vim.defer_fn(function() M.request(bufnr) end, 50)
  return true
end

function M.attach(client, bufnr, opts)
  opts = vim.tbl_extend('force', M.defaults, opts or {})
  state[bufnr] = { client = client }
  local timer = assert(vim.uv.new_timer())
  -- Every change (typed, pasted, made by a plugin or an API call) clears what is shown and
  -- asks again once the buffer is quiet.
  vim.api.nvim_buf_attach(bufnr, false, {
    on_lines = function()
      if not state[bufnr] then
        return true -- detached
      end
      vim.schedule(function() clear(bufnr) end)
      timer:stop()
      timer:start(opts.debounce_ms, 0, vim.schedule_wrap(function() M.request(bufnr) end))
    end,
  })
  for _, mode in ipairs({ 'n', 'i' }) do
    if opts.jump then
      vim.keymap.set(mode, opts.jump, function() M.jump(bufnr) end, { buffer = bufnr, desc = 'Atelier: jump to the next edit' })
    end
    if opts.accept then
      vim.keymap.set(mode, opts.accept, function() M.accept(bufnr) end, { buffer = bufnr, desc = 'Atelier: accept the next edit' })
    end
  end
end

return M
