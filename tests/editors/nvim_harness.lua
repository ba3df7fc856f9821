-- What every Neovim driver of tests/editors/ needs: timestamped steps, a `finish` that writes
-- the result to $ATELIER_TEST_OUT as JSON, stops the server cleanly and quits (also on
-- failure), and `when`, which polls a condition in the main loop (typeahead keeps being
-- processed, unlike inside vim.wait) and then goes on or fails after a timeout.
-- Usage: local h = dofile(<this file>)(result, before_write) -> h.step, h.finish, h.when
return function(result, before_write)
  local t0 = vim.uv.hrtime() / 1e9
  result.steps = result.steps or {}
  local h = {}

  function h.step(name)
    table.insert(result.steps, ('%.1fs %s'):format(vim.uv.hrtime() / 1e9 - t0, name))
  end

  function h.finish(err)
    result.error = err
    result.messages = vim.fn.execute('messages')
    if before_write then
      before_write(result)
    end
    vim.fn.writefile({ vim.json.encode(result) }, vim.env.ATELIER_TEST_OUT)
    -- A clean shutdown/exit, so the server does not write to a closed pipe.
    vim.lsp.stop_client(vim.lsp.get_clients())
    vim.wait(5000, function() return #vim.lsp.get_clients() == 0 end)
    vim.cmd('qall!')
  end

  function h.when(what, cond, timeout, next)
    local deadline = vim.uv.now() + timeout
    local function poll()
      local ok, value = pcall(cond)
      if not ok then
        return h.finish(what .. ': ' .. tostring(value))
      elseif value then
        h.step(what)
        return next(value)
      elseif vim.uv.now() > deadline then
        return h.finish('timed out waiting for ' .. what)
      end
      vim.defer_fn(poll, 50)
    end
    poll()
  end

  return h
end
