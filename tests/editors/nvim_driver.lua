-- Drives headless Neovim like a user: with the file given on the command line, go to the end of a line in insert mode,
-- wait for Atelier's completion, accept it with the plugin's key, and write what happened to
-- $ATELIER_TEST_OUT as JSON (test_neovim.py reads it). Always ends Neovim, also on failure.
local env = vim.env
local line = tonumber(env.ATELIER_TEST_LINE) -- 1-based
local mode = env.ATELIER_TEST_MODE -- 'inline' or 'popup'
local result = { mode = mode, version = tostring(vim.version()) }

local harness = dofile(debug.getinfo(1, 'S').source:sub(2):match('(.*/)') .. 'nvim_harness.lua')
local h = harness(result, function(r)
  r.clients = vim.tbl_map(function(c) return c.name end, vim.lsp.get_clients())
  r.buffer = vim.api.nvim_buf_get_lines(0, 0, -1, false)
end)
local step, finish, when = h.step, h.finish, h.when

vim.opt.rtp:prepend(env.ATELIER_PLUGIN_DIR)
require('atelier').setup({
  cmd = vim.json.decode(env.ATELIER_TEST_CMD),
  inline = mode == 'inline',
  settings = { completion = { max_tokens = 32 } },
})

local ns = vim.api.nvim_create_namespace('nvim.lsp.inline_completion')
local function feed(keys)
  -- 'm': through mappings, so the plugin's own keymaps are what accepts.
  vim.api.nvim_feedkeys(vim.keycode(keys), 'm', false)
end

vim.api.nvim_create_autocmd('LspAttach', {
  once = true,
  callback = function(args)
    local client = vim.lsp.get_client_by_id(args.data.client_id)
    result.attached = client and client.name
    result.inline_provider = client and client.server_capabilities.inlineCompletionProvider ~= nil
    result.accept_map = vim.fn.maparg('<Tab>', 'i', false, true).desc
    result.next_map = vim.fn.maparg('<M-]>', 'i', false, true).desc
    step('attached')
    vim.schedule(function()
      vim.api.nvim_win_set_cursor(0, { line, 0 })
      result.before = vim.api.nvim_get_current_line()
      feed('A') -- insert mode at the end of the line: the plugin asks for a completion
      if mode == 'inline' then
        when('ghost text', function()
          local marks = vim.api.nvim_buf_get_extmarks(0, ns, 0, -1, { details = true })
          return marks[1] and marks[1][4].virt_text
        end, 90000, function(virt)
          result.ghost = vim.tbl_map(function(chunk) return chunk[1] end, virt)
          result.cursor_before = vim.api.nvim_win_get_cursor(0)
          feed('<Tab>')
          when('accepted', function()
            return vim.api.nvim_buf_get_lines(0, line - 1, line, false)[1] ~= result.before
          end, 10000, function() finish(nil) end)
        end)
      else
        when('insert mode', function() return vim.fn.mode() == 'i' end, 5000, function()
          feed('<C-Space>')
          when('popup', function()
            return vim.fn.pumvisible() == 1 and vim.fn.complete_info({ 'items' }).items
          end, 90000, function(items)
            result.ghost = vim.tbl_map(function(i) return i.word end, items)
            feed('<C-y>')
            when('accepted', function()
              return vim.fn.pumvisible() == 0
                and vim.api.nvim_buf_get_lines(0, line - 1, line, false)[1] ~= result.before
            end, 10000, function() finish(nil) end)
          end)
        end)
      end
    end)
  end,
})

-- The file comes from the command line (`nvim -u driver.lua FILE`), opened after this script,
-- once filetype detection is on.
when('language server', function() return result.attached end, 30000, function() end)
