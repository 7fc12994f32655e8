-- tfguard for Neovim: one-line set-up of the tfguard language server, and a synchronous fix-all for fix-on-save.
--
--   require('tfguard').setup()                                  -- diagnostics and quick fixes in .tf files
--   require('tfguard').setup({ fix_on_save = true })            -- and fix everything when a buffer is written
--   require('tfguard').setup({ cmd = { '/path/to/tfguard', 'lsp' } })
--
-- Neovim >= 0.11 gets vim.lsp.config('tfguard', ...) + vim.lsp.enable('tfguard'); older versions (0.7 and
-- later) start and attach the client from a FileType autocommand.
local M = {}

M.defaults = {
  name = 'tfguard',
  cmd = { 'tfguard', 'lsp' },
  filetypes = { 'terraform', 'terraform-vars' },
  root_markers = { '.terraform', '.git' },
  -- Sent as initializationOptions and as the "tfguard" section of workspace settings.
  settings = {},
  fix_on_save = false,
  -- How long a write may wait for the server's fix-all edits.
  fix_timeout_ms = 2000,
}

M.options = vim.deepcopy(M.defaults)

local function has(version)
  return vim.fn.has('nvim-' .. version) == 1
end

local function buffer_path(bufnr)
  local name = vim.api.nvim_buf_get_name(bufnr)
  return name ~= '' and vim.fn.fnamemodify(name, ':p') or nil
end

--- The closest folder above the buffer holding one of the root markers, else the buffer's folder.
function M.root_dir(bufnr, markers)
  local file = buffer_path(bufnr)
  if not file then
    return vim.loop.cwd()
  end
  local dir = vim.fn.fnamemodify(file, ':h')
  local start = dir
  while true do
    for _, marker in ipairs(markers) do
      if vim.loop.fs_stat(dir .. '/' .. marker) then
        return dir
      end
    end
    local parent = vim.fn.fnamemodify(dir, ':h')
    if parent == dir then
      return start
    end
    dir = parent
  end
end

-- Client methods are called with ':' from 0.11 on and with '.' before.
local function call(client, method, ...)
  if has('0.11') then
    return client[method](client, ...)
  end
  return client[method](...)
end

local function client_config(opts, root_dir)
  local settings = vim.deepcopy(opts.settings)
  local config = {
    name = opts.name,
    cmd = opts.cmd,
    root_dir = root_dir,
    init_options = settings,
    settings = { tfguard = settings },
  }
  if not has('0.11') then
    -- Older Neovim does not send the settings by itself.
    config.on_init = function(client)
      call(client, 'notify', 'workspace/didChangeConfiguration', { settings = { tfguard = settings } })
    end
  end
  return config
end

-- Neovim 0.7 has no vim.lsp.start: one client per root folder, reused for every buffer below it.
local clients_by_root = {}

local function attach_legacy(bufnr, opts)
  local root = M.root_dir(bufnr, opts.root_markers)
  if vim.lsp.start then
    local config = client_config(opts, root)
    vim.lsp.start(config, { bufnr = bufnr })
    return
  end
  local id = clients_by_root[root]
  local client = id and vim.lsp.get_client_by_id(id)
  if not client or call(client, 'is_stopped') then
    id = vim.lsp.start_client(client_config(opts, root))
    if not id then
      vim.notify('tfguard: could not start ' .. table.concat(opts.cmd, ' '), vim.log.levels.ERROR)
      return
    end
    clients_by_root[root] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
end

local function tfguard_clients(bufnr)
  local found = {}
  local attached
  if vim.lsp.get_clients then
    attached = vim.lsp.get_clients({ bufnr = bufnr })
  else
    attached = vim.lsp.buf_get_clients(bufnr)
  end
  for _, client in pairs(attached) do
    if client.name == M.options.name then
      table.insert(found, client)
    end
  end
  return found
end

--- Applies every tfguard fix to the buffer, synchronously (safe in BufWritePre). Returns the number of actions applied.
function M.fix_all(bufnr, timeout_ms)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  timeout_ms = timeout_ms or M.options.fix_timeout_ms
  local applied = 0
  for _, client in ipairs(tfguard_clients(bufnr)) do
    local params = {
      textDocument = { uri = vim.uri_from_bufnr(bufnr) },
      range = { start = { line = 0, character = 0 }, ['end'] = { line = 0, character = 0 } },
      context = { diagnostics = {}, only = { 'source.fixAll' } },
    }
    -- request_sync sends pending changes first, so the edits match the buffer being written.
    local response, err = call(client, 'request_sync', 'textDocument/codeAction', params, timeout_ms, bufnr)
    if not response then
      vim.notify('tfguard: fix-all got no answer: ' .. tostring(err), vim.log.levels.WARN)
    elseif response.err then
      vim.notify('tfguard: fix-all failed: ' .. vim.inspect(response.err), vim.log.levels.WARN)
    else
      for _, action in ipairs(response.result or {}) do
        if action.edit then
          vim.lsp.util.apply_workspace_edit(action.edit, client.offset_encoding)
          applied = applied + 1
        end
      end
    end
  end
  return applied
end

function M.setup(opts)
  M.options = vim.tbl_deep_extend('force', vim.deepcopy(M.defaults), opts or {})
  opts = M.options
  local group = vim.api.nvim_create_augroup('tfguard', { clear = true })

  if has('0.11') then
    local config = client_config(opts, nil)
    config.root_dir = nil
    config.root_markers = opts.root_markers
    config.filetypes = opts.filetypes
    vim.lsp.config(opts.name, config)
    vim.lsp.enable(opts.name)
  else
    vim.api.nvim_create_autocmd('FileType', {
      group = group,
      pattern = opts.filetypes,
      callback = function(args)
        attach_legacy(args.buf, opts)
      end,
    })
    -- Buffers already open when setup() runs.
    for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
      if vim.api.nvim_buf_is_loaded(bufnr) and vim.tbl_contains(opts.filetypes, vim.bo[bufnr].filetype) then
        attach_legacy(bufnr, opts)
      end
    end
  end

  if opts.fix_on_save then
    vim.api.nvim_create_autocmd('BufWritePre', {
      group = group,
      callback = function(args)
        if vim.tbl_contains(opts.filetypes, vim.bo[args.buf].filetype) then
          M.fix_all(args.buf)
        end
      end,
    })
  end
end

return M
