-- Drives headless Neovim through Atelier's keys and commands against the real server (with the
-- file given on the command line): accept one word of the ghost text (<M-Right>), dismiss it
-- (<C-]>) and check that <Tab> then runs the user's own mapping, ask :AtelierChat and watch the
-- answer stream into its buffer, and run "Edit with instruction…" with vim.ui.input answered.
-- Writes what happened to $ATELIER_TEST_OUT (test_neovim_chat.py reads it); always quits.
local env = vim.env
local line = tonumber(env.ATELIER_TEST_LINE) -- 1-based
local result = { snapshots = {} }
local ns = vim.api.nvim_create_namespace('nvim.lsp.inline_completion')

local harness = dofile(debug.getinfo(1, 'S').source:sub(2):match('(.*/)') .. 'nvim_harness.lua')
local h = harness(result)
local step, finish, when = h.step, h.finish, h.when

local function feed(keys)
  vim.api.nvim_feedkeys(vim.keycode(keys), 'm', false)
end

local function ghost()
  local marks = vim.api.nvim_buf_get_extmarks(0, ns, 0, -1, { details = true })
  return marks[1] and marks[1][4].virt_text
end

-- The user's own <Tab> mapping, made before the plugin: it must still run when nothing is shown.
vim.g.user_tab = 0
vim.keymap.set('i', '<Tab>', function() vim.g.user_tab = vim.g.user_tab + 1 end, { desc = 'user tab' })

vim.opt.rtp:prepend(env.ATELIER_PLUGIN_DIR)
require('atelier').setup({
  cmd = vim.json.decode(env.ATELIER_TEST_CMD),
  settings = { completion = { max_tokens = 32 } },
})

local function edit_with_instruction(src_win)
  vim.api.nvim_set_current_win(src_win)
  vim.ui.input = function(opts, on_confirm)
    result.input_prompt = opts.prompt
    on_confirm('return the sum as a float')
  end
  vim.api.nvim_create_autocmd('User', {
    pattern = 'AtelierEditDone',
    once = true,
    callback = function(args)
      result.edit = args.data
      vim.schedule(function() finish(nil) end)
    end,
  })
  local target = tonumber(env.ATELIER_TEST_EDIT_LINE)
  vim.lsp.buf.code_action({
    apply = true,
    filter = function(a) return a.title == 'Atelier: Edit with instruction…' end,
    range = { start = { target, 4 }, ['end'] = { target, 16 } },
  })
  when('edit answered', function() return result.edit end, 120000, function() end)
end

local function chat(src_win)
  local chat_mod = require('atelier.chat')
  vim.api.nvim_create_autocmd('User', {
    pattern = 'AtelierChatDone',
    once = true,
    callback = function(args) result.chat = args.data end,
  })
  vim.cmd('AtelierChat Write a Python function that reverses a string.')
  local seen = {}
  when('chat answered', function()
    local buf = chat_mod.buffer()
    if buf then
      local text = table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), '\n')
      if not seen[text] and not result.chat then
        seen[text] = true
        table.insert(result.snapshots, text)
      end
    end
    return result.chat
  end, 180000, function()
    result.chat_buffer = vim.api.nvim_buf_get_lines(chat_mod.buffer(), 0, -1, false)
    result.chat_buftype = vim.bo[chat_mod.buffer()].buftype
    edit_with_instruction(src_win)
  end)
end

vim.api.nvim_create_autocmd('LspAttach', {
  once = true,
  callback = function(args)
    local client = vim.lsp.get_client_by_id(args.data.client_id)
    result.attached = client and client.name
    result.maps = {}
    for _, lhs in ipairs({ '<Tab>', '<M-Right>', '<M-C-Right>', '<C-]>' }) do
      result.maps[lhs] = vim.fn.maparg(lhs, 'i', false, true).desc
    end
    step('attached')
    vim.schedule(function()
      local src_win = vim.api.nvim_get_current_win()
      vim.api.nvim_win_set_cursor(0, { line, 0 })
      result.before = vim.api.nvim_get_current_line()
      feed('A')
      when('ghost text', ghost, 90000, function(virt)
        result.ghost = vim.tbl_map(function(chunk) return chunk[1] end, virt)
        result.statusline = require('atelier').statusline()
        feed('<M-Right>')
        when('word accepted', function()
          return vim.api.nvim_get_current_line() ~= result.before
        end, 10000, function()
          result.after_word = vim.api.nvim_get_current_line()
          result.mode_after_word = vim.fn.mode()
          -- The rest comes back as a new suggestion; dismiss it, then <Tab> is the user's.
          -- (when it does not come within 20 s, <Tab> is tried on no ghost text at all)
          vim.wait(20000, function() return ghost() ~= nil end, 50)
          result.next_ghost = ghost() ~= nil
          do
            feed('<C-]>')
            when('dismissed', function() return ghost() == nil end, 5000, function()
              local before_tab = vim.api.nvim_get_current_line()
              feed('<Tab>')
              when('user tab', function() return vim.g.user_tab > 0 end, 5000, function()
                result.user_tab = vim.g.user_tab
                result.line_after_tab = vim.api.nvim_get_current_line()
                result.line_before_tab = before_tab
                feed('<Esc>')
                vim.schedule(function() chat(src_win) end)
              end)
            end)
          end
        end)
      end)
    end)
  end,
})

when('language server', function() return result.attached end, 30000, function() end)
