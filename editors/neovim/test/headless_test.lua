-- Headless Neovim test of tfguard, set up the way the README tells users (require('tfguard').setup):
--   open the KICS positive.tf, wait for exactly two tfguard warnings on lines 2 and 7, request and apply the
--   quick fix for line 2 (one warning left, on line 7), then :write with fix_on_save, which runs fix-all:
--   the buffer and the file hold the promised text and no diagnostic is left.
--
--   TFGUARD_LSP_CMD='["python3", "-m", "tfguard", "lsp"]' nvim --headless --clean -c 'luafile editors/neovim/test/headless_test.lua'
--
-- Exits 0 on success; on failure prints "FAIL: <reason>" to stderr and exits 1.
local here = vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':p:h')
local neovim_dir = vim.fn.fnamemodify(here, ':h')
local testdata = vim.fn.fnamemodify(neovim_dir, ':h') .. '/testdata'
vim.opt.runtimepath:prepend(neovim_dir)

local RULE = 'terraform-aws-iam-access-key-is-exposed'
local FIX = 'Set status to "Inactive"'
local TIMEOUT = tonumber(vim.env.TFGUARD_NVIM_TIMEOUT_MS or '') or 20000

local function say(msg)
  io.stderr:write(msg .. '\n')
end

local function read_file(path)
  local f = assert(io.open(path, 'rb'))
  local text = f:read('*a')
  f:close()
  return text
end

local function buffer_text(bufnr)
  local text = table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), '\n')
  if vim.bo[bufnr].eol then
    text = text .. '\n'
  end
  return text
end

local function lsp_code(d)
  return d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)
end

-- "2:tfguard:terraform-aws-...:WARN" for each diagnostic, sorted, 1-based lines.
local function describe_diagnostics(bufnr)
  local out = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    table.insert(out, string.format('%d:%s:%s:%s', d.lnum + 1, tostring(d.source), tostring(lsp_code(d)),
      vim.diagnostic.severity[d.severity]))
  end
  table.sort(out, function(a, b)
    return tonumber(a:match('^%d+')) < tonumber(b:match('^%d+'))
  end)
  return out
end

local function expect_diagnostics(bufnr, lines, when)
  local want = {}
  for _, l in ipairs(lines) do
    table.insert(want, string.format('%d:tfguard:%s:WARN', l, RULE))
  end
  local want_s = table.concat(want, ', ')
  local ok = vim.wait(TIMEOUT, function()
    return table.concat(describe_diagnostics(bufnr), ', ') == want_s
  end, 20)
  if not ok then
    error(string.format('%s: expected diagnostics [%s] within %d ms, got [%s]', when, want_s, TIMEOUT,
      table.concat(describe_diagnostics(bufnr), ', ')), 0)
  end
end

local function check(cond, msg)
  if not cond then
    error(msg, 0)
  end
end

local function run()
  local cmd = vim.env.TFGUARD_LSP_CMD and vim.fn.json_decode(vim.env.TFGUARD_LSP_CMD) or { 'tfguard', 'lsp' }
  check(vim.fn.executable(cmd[1]) == 1, 'the server command is not executable: ' .. vim.inspect(cmd))
  local tfguard = require('tfguard')
  tfguard.setup({ cmd = cmd, fix_on_save = true })

  local dir = vim.fn.tempname()
  vim.fn.mkdir(dir, 'p')
  local file = dir .. '/positive.tf'
  vim.fn.writefile(vim.fn.readfile(testdata .. '/positive.tf', 'b'), file, 'b')
  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  local bufnr = vim.api.nvim_get_current_buf()
  check(vim.bo[bufnr].filetype == 'terraform', 'positive.tf has filetype "' .. vim.bo[bufnr].filetype .. '", not terraform')

  local client
  check(vim.wait(TIMEOUT, function()
    local attached = vim.lsp.get_clients and vim.lsp.get_clients({ bufnr = bufnr }) or vim.lsp.buf_get_clients(bufnr)
    for _, c in pairs(attached) do
      if c.name == 'tfguard' and c.initialized then
        client = c
      end
    end
    return client ~= nil
  end, 20), 'no initialized tfguard client attached to the buffer within ' .. TIMEOUT .. ' ms (cmd ' .. vim.inspect(cmd) .. ')')

  -- 1. Exactly two warnings, on lines 2 and 7, from tfguard.
  expect_diagnostics(bufnr, { 2, 7 }, 'after opening positive.tf')

  -- 2. The quick fix for line 2, asked for as Neovim's code action menu asks (cursor on the diagnostic).
  -- The diagnostics of the line, converted back to LSP form as Neovim's own code action request does
  -- (0.7 keeps byte columns there: the server must not build edits from them).
  vim.api.nvim_win_set_cursor(0, { 2, 9 })
  local line_diagnostics
  if vim.lsp.diagnostic.from then -- 0.10 and later
    line_diagnostics = vim.lsp.diagnostic.from(vim.diagnostic.get(bufnr, { lnum = 1 }))
  else
    line_diagnostics = vim.lsp.diagnostic.get_line_diagnostics(bufnr, 1)
  end
  check(#line_diagnostics == 1, 'line 2 has ' .. #line_diagnostics .. ' LSP diagnostics')
  local params = vim.lsp.util.make_range_params(0, client.offset_encoding)
  params.context = { diagnostics = line_diagnostics, only = { 'quickfix' } }
  local responses = vim.lsp.buf_request_sync(bufnr, 'textDocument/codeAction', params, TIMEOUT)
  local action
  local offered = {}
  for _, response in pairs(responses or {}) do
    check(not response.err, 'textDocument/codeAction failed: ' .. vim.inspect(response.err))
    for _, a in ipairs(response.result or {}) do
      table.insert(offered, a.title)
      if a.title == FIX then
        action = a
      end
    end
  end
  check(action, 'the quick fix "' .. FIX .. '" was not offered; offered: ' .. vim.inspect(offered))
  check(action.kind == 'quickfix', 'the quick fix has kind ' .. tostring(action.kind))
  check(action.edit, 'the quick fix carries no edit')
  vim.lsp.util.apply_workspace_edit(action.edit, client.offset_encoding)
  local line3 = vim.api.nvim_buf_get_lines(bufnr, 2, 3, false)[1]
  check(line3 == '  status = "Inactive"', 'after the quick fix line 3 is ' .. vim.inspect(line3))
  expect_diagnostics(bufnr, { 7 }, 'after the quick fix')

  -- 3. :write runs fix-all (the fix_on_save recipe), then the file is written.
  vim.cmd('silent write')
  local expected = read_file(testdata .. '/positive.fixed.tf')
  check(buffer_text(bufnr) == expected, 'after fix-all on write the buffer is:\n' .. buffer_text(bufnr) .. '\nexpected:\n' .. expected)
  check(read_file(file) == expected, 'after fix-all on write the file on disk is:\n' .. read_file(file))
  check(not vim.bo[bufnr].modified, 'the buffer is still modified after :write')
  expect_diagnostics(bufnr, {}, 'after fix-all on write')
  vim.fn.delete(dir, 'rf')
end

local ok, err = xpcall(run, debug.traceback)
if ok then
  say('PASS: tfguard in Neovim ' .. tostring(vim.version().major) .. '.' .. tostring(vim.version().minor) ..
    '.' .. tostring(vim.version().patch) .. ': two warnings, quick fix, fix-all on write')
  vim.cmd('qall!')
else
  say('FAIL: ' .. tostring(err))
  local log = vim.lsp.get_log_path()
  if vim.fn.filereadable(log) == 1 then
    local lines = vim.fn.readfile(log)
    say('--- last lines of the LSP log ' .. log .. ' ---')
    for i = math.max(1, #lines - 20), #lines do
      say(lines[i])
    end
  end
  vim.cmd('cquit 1')
end
