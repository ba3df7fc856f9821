-- Drives headless Neovim like a user: rename `subtotal` to `base` on line 2 of the file given
-- on the command line, wait for Atelier's next edit (shown as virtual text on a line below,
-- away from the cursor), jump to it with the plugin's key and accept it with the other; then
-- accept the one after. Writes what happened to $ATELIER_TEST_OUT as JSON.
local env = vim.env
local result = { version = tostring(vim.version()) }
local harness = dofile(debug.getinfo(1, 'S').source:sub(2):match('(.*/)') .. 'nvim_harness.lua')
local h = harness(result, function(r)
  r.last_response = require('atelier.next_edit').last_response
  r.buffer = vim.api.nvim_buf_get_lines(0, 0, -1, false)
end)
local step, finish, when = h.step, h.finish, h.when

vim.opt.rtp:prepend(env.ATELIER_PLUGIN_DIR)
require('atelier').setup({ cmd = vim.json.decode(env.ATELIER_TEST_CMD), settings = { next_edit = { debounce_ms = 0 } } })
local next_edit = require('atelier.next_edit')

local function feed(keys)
  vim.api.nvim_feedkeys(vim.keycode(keys), 'm', false) -- through mappings: the plugin's keys
end

vim.api.nvim_create_autocmd('LspAttach', {
  once = true,
  callback = function()
    vim.defer_fn(function()
      step('attached')
      vim.api.nvim_win_set_cursor(0, { 2, 4 })
      vim.api.nvim_buf_set_text(0, 1, 4, 1, 12, { 'base' }) -- the user's edit
      when('next edit shown', function()
        local e = next_edit.current(0)
        local marks = vim.api.nvim_buf_get_extmarks(0, vim.api.nvim_create_namespace('atelier.next_edit'), 0, -1, { details = true })
        return e and #marks > 0 and e
      end, 60000, function(e)
        result.first = { line = e.range.start.line, text = e.text }
        result.cursor_before = vim.api.nvim_win_get_cursor(0)
        feed('<M-n>')
        when('jumped', function() return vim.api.nvim_win_get_cursor(0)[1] == e.range.start.line + 1 end, 5000, function()
          result.cursor_after_jump = vim.api.nvim_win_get_cursor(0)
          feed('<M-y>')
          when('accepted', function() return vim.api.nvim_buf_get_lines(0, 2, 3, false)[1]:find('base') end, 5000, function()
            when('the next one shown', function() return next_edit.current(0) end, 30000, function()
              feed('<M-y>')
              when('all renamed', function()
                return not table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n'):find('subtotal')
              end, 5000, function() finish(nil) end)
            end)
          end)
        end)
      end)
    end, 200)
  end,
})
vim.defer_fn(function() finish('timed out') end, 180000)
