-- :AtelierChat: a chat with Atelier (`atelier/chat`) in a scratch buffer. The answer streams
-- into the buffer as it is written ($/progress partial results); `@workspace` in a question
-- searches the workspace, and the files the server used are listed under the answer (<CR> on
-- one opens it). In the chat buffer: <CR> asks the next question (vim.ui.input) or opens the
-- reference under the cursor, <C-c> stops the answer.
-- Also "Edit with instruction…": the server's code action carries the command without the
-- instruction; the client-side handler asks for it with vim.ui.input.
local M = {}

local NAME = 'atelier'
local chat = { buf = nil, id = nil, request = nil, client = nil, refs = {}, turn = 0 }
local streams = {} ---@type table<string, fun(delta: string)> partialResultToken -> sink

local function client_for(bufnr)
  return vim.lsp.get_clients({ bufnr = bufnr, name = NAME })[1] or vim.lsp.get_clients({ name = NAME })[1]
end

-- Route our partialResultTokens' $/progress to their chat; any other progress goes on to the
-- handler that was there (the model-load progress, vim.lsp.status).
local function hook_progress(client)
  if client._atelier_chat then
    return
  end
  client._atelier_chat = true
  local default = client.handlers['$/progress'] or vim.lsp.handlers['$/progress']
  client.handlers['$/progress'] = function(err, params, ctx, config)
    local sink = params and streams[params.token]
    if sink then
      if type(params.value) == 'table' and type(params.value.delta) == 'string' then
        sink(params.value.delta)
      end
      return
    end
    return default(err, params, ctx, config)
  end
end

local function append(text)
  local buf = chat.buf
  if not (buf and vim.api.nvim_buf_is_valid(buf)) then
    return
  end
  local last = vim.api.nvim_buf_line_count(buf)
  local tail = vim.api.nvim_buf_get_lines(buf, last - 1, last, false)[1]
  local lines = vim.split(text, '\n', { plain = true })
  lines[1] = tail .. lines[1]
  vim.api.nvim_buf_set_lines(buf, last - 1, last, false, lines)
  local win = vim.fn.bufwinid(buf)
  if win ~= -1 then
    vim.api.nvim_win_set_cursor(win, { vim.api.nvim_buf_line_count(buf), 0 })
  end
end

local function open_buffer()
  if chat.buf and vim.api.nvim_buf_is_valid(chat.buf) then
    if vim.fn.bufwinid(chat.buf) == -1 then
      vim.cmd('botright split')
      vim.api.nvim_win_set_buf(0, chat.buf)
    end
    return chat.buf
  end
  local buf = vim.api.nvim_create_buf(false, true) -- unlisted scratch buffer
  vim.bo[buf].buftype = 'nofile'
  vim.bo[buf].bufhidden = 'hide'
  vim.bo[buf].swapfile = false
  vim.bo[buf].filetype = 'markdown'
  pcall(vim.api.nvim_buf_set_name, buf, 'atelier://chat')
  vim.cmd('botright split')
  vim.api.nvim_win_set_buf(0, buf)
  chat.buf, chat.id, chat.refs, chat.turn = buf, ('nvim-%d-%d'):format(vim.fn.getpid(), vim.uv.hrtime()), {}, 0
  vim.keymap.set('n', '<CR>', function()
    local ref = chat.refs[vim.api.nvim_win_get_cursor(0)[1]]
    if ref then
      vim.cmd('wincmd p')
      vim.cmd.edit(vim.fn.fnameescape(vim.uri_to_fname(ref.uri)))
      vim.api.nvim_win_set_cursor(0, { ref.line + 1, 0 })
    else
      M.prompt()
    end
  end, { buffer = buf, desc = 'Atelier: ask, or open the reference under the cursor' })
  vim.keymap.set('n', '<C-c>', M.cancel, { buffer = buf, desc = 'Atelier: stop the answer' })
  return buf
end

--- Ask `question` in the chat buffer (opened if needed); the answer streams in.
function M.ask(question, source_buf)
  local client = client_for(source_buf or vim.api.nvim_get_current_buf())
  if not client then
    vim.notify('Atelier: the server is not running', vim.log.levels.WARN)
    return
  end
  if chat.request then
    vim.notify('Atelier: still answering (<C-c> in the chat stops it)', vim.log.levels.WARN)
    return
  end
  hook_progress(client)
  local buf = open_buffer()
  local first = vim.api.nvim_buf_line_count(buf) == 1 and vim.api.nvim_buf_get_lines(buf, 0, 1, false)[1] == ''
  local header = vim.list_extend(first and {} or { '' }, { '## You', '' })
  vim.list_extend(header, vim.split(question, '\n', { plain = true }))
  vim.list_extend(header, { '', '## Atelier', '', '' })
  vim.api.nvim_buf_set_lines(buf, first and 0 or -1, -1, false, header)
  chat.turn = chat.turn + 1
  local token = ('%s-%d'):format(chat.id, chat.turn)
  streams[token] = append
  local params = {
    conversationId = chat.id,
    messages = { { role = 'user', content = question } }, -- the server keeps the conversation
    partialResultToken = token,
  }
  local ok, id = client:request('atelier/chat', params, function(err, result)
    streams[token] = nil
    chat.request = nil
    if err then
      append(err.code == -32800 and ' [stopped]' or ('\n[error: ' .. (err.message or vim.inspect(err)) .. ']'))
      return
    end
    local refs = result and result.references or {}
    if #refs > 0 then
      append('\n\nReferences (<CR> opens):')
      for _, ref in ipairs(refs) do
        local line = ref.range and ref.range.start.line or 0
        append(('\n- %s (%s:%d)'):format(ref.title, vim.uri_to_fname(ref.uri), line + 1))
        chat.refs[vim.api.nvim_buf_line_count(buf)] = { uri = ref.uri, line = line }
      end
    end
    vim.api.nvim_exec_autocmds('User', { pattern = 'AtelierChatDone', modeline = false, data = result })
  end, source_buf)
  if ok then
    chat.request, chat.client = id, client
  else
    streams[token] = nil
    append('[the request could not be sent]')
  end
end

--- Stop the answer being written ($/cancelRequest).
function M.cancel()
  if chat.request and chat.client then
    chat.client:cancel_request(chat.request)
  end
end

--- Ask for a question with vim.ui.input, then ask it.
function M.prompt(source_buf)
  source_buf = source_buf or vim.api.nvim_get_current_buf()
  vim.ui.input({ prompt = 'Ask Atelier (@workspace searches the workspace): ' }, function(question)
    if question and vim.trim(question) ~= '' then
      M.ask(question, source_buf)
    end
  end)
end

--- The buffer of the chat (nil before the first question).
function M.buffer()
  return chat.buf
end

-- "Atelier: Edit with instruction…" (code action) and :AtelierEdit: the instruction comes from
-- vim.ui.input, then workspace/executeCommand [uri, range, instruction]; the server applies
-- the edit with workspace/applyEdit.
local EDIT = 'atelier.editWithInstruction'

local function edit_with(client, uri, range, instruction, bufnr)
  local function send(text)
    if not text or vim.trim(text) == '' then
      return
    end
    client:request('workspace/executeCommand', { command = EDIT, arguments = { uri, range, vim.trim(text) } },
      function(err, result)
        if err then
          vim.notify('Atelier: ' .. (err.message or 'the edit failed'), vim.log.levels.WARN)
        elseif result and result.applied == false and result.error then
          vim.notify('Atelier: ' .. result.error, vim.log.levels.WARN)
        end
        vim.api.nvim_exec_autocmds('User', { pattern = 'AtelierEditDone', modeline = false, data = result or {} })
      end, bufnr)
  end
  if instruction and vim.trim(instruction) ~= '' then
    return send(instruction)
  end
  vim.ui.input({ prompt = 'Atelier: how should it change? ' }, send)
end

vim.lsp.commands[EDIT] = function(command, ctx)
  local args = command.arguments or {}
  local client = vim.lsp.get_client_by_id(ctx.client_id)
  if not client then
    return
  end
  local data = args[1]
  if type(data) == 'table' and data.uri then
    edit_with(client, data.uri, data.range, data.instruction, ctx.bufnr)
  elseif type(data) == 'string' then
    edit_with(client, data, args[2], args[3], ctx.bufnr)
  end
end

--- :AtelierEdit [instruction] on the lines given (a visual selection, or the current line).
function M.edit(line1, line2, instruction)
  local bufnr = vim.api.nvim_get_current_buf()
  local client = client_for(bufnr)
  if not client then
    vim.notify('Atelier: the server is not running', vim.log.levels.WARN)
    return
  end
  local last = vim.api.nvim_buf_get_lines(bufnr, line2 - 1, line2, false)[1] or ''
  local range = { start = { line = line1 - 1, character = 0 }, ['end'] = { line = line2 - 1, character = #last } }
  edit_with(client, vim.uri_from_bufnr(bufnr), range, instruction, bufnr)
end

function M.setup()
  vim.api.nvim_create_user_command('AtelierChat', function(args)
    if args.args ~= '' then
      M.ask(args.args)
    else
      M.prompt()
    end
  end, { nargs = '*', desc = 'Atelier: chat (the answer streams into a scratch buffer)' })
  vim.api.nvim_create_user_command('AtelierEdit', function(args)
    M.edit(args.line1, args.line2, args.args)
  end, { nargs = '*', range = true, desc = 'Atelier: edit the lines with an instruction' })
end

return M
