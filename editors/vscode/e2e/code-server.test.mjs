// The extension in a real VS Code: code-server (VS Code 1.100 in a browser) with the freshly built .vsix installed,
// driven through Debian's chromium by playwright-core, checking what a person sees:
//   two warning squiggles on lines 2 and 7 of the KICS positive.tf, two Problems entries with the rule id;
//   Ctrl+. offers `Set status to "Inactive"`, applying it leaves one problem (line 7);
//   with editor.codeActionsOnSave {"source.fixAll": "explicit"}, saving leaves none and the file is what the fix promises;
//   "tfguard: Restart Server" and "tfguard: Show Output" work; a changed tfguard.rules reaches the server;
//   with no Python on PATH, one message says what to set.
// A screenshot of every step goes to $TFGUARD_ARTIFACTS (default <repo>/test-artifacts/code-server-<time>), named on failure.
//
// Needs: npm run package (the .vsix), code-server (editors/ci-setup.sh code-server, or $TFGUARD_CODE_SERVER),
// chromium ($TFGUARD_CHROMIUM, default /usr/bin/chromium), Python >= 3.10 on PATH.
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { homedir, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const repo = resolve(root, "..", "..");
const testdata = resolve(root, "..", "testdata");
const version = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version;
const vsix = process.env.TFGUARD_VSIX || join(root, `tfguard-${version}.vsix`);
const cache = process.env.TFGUARD_EDITORS_CACHE || join(homedir(), ".cache", "tfguard-editors");
const codeServer = process.env.TFGUARD_CODE_SERVER || join(cache, "code-server-4.100.3", "node_modules", ".bin", "code-server");
const chromiumPath = process.env.TFGUARD_CHROMIUM || "/usr/bin/chromium";
const stamp = new Date().toISOString().replace(/[:.]/g, "-");
const artifacts = process.env.TFGUARD_ARTIFACTS || join(repo, "test-artifacts", `code-server-${stamp}`);
const RULE = "terraform-aws-iam-access-key-is-exposed";
const FIX = 'Set status to "Inactive"';
const WAIT = 60_000;

let step = 0;
let page; // the page of the session under test; the helpers below read it
let browser;
let failed = false;
const sessions = [];

/** Runs one step of a test; on failure takes a screenshot and says where the screenshots are. */
async function guard(fn) {
  try {
    await fn();
  } catch (err) {
    failed = true;
    await shot("failed");
    err.message += `\n(screenshots of each step and the code-server logs: ${artifacts})`;
    throw err;
  }
}

async function shot(name) {
  if (!page) return;
  mkdirSync(artifacts, { recursive: true });
  step += 1;
  await page.screenshot({ path: join(artifacts, `${String(step).padStart(2, "0")}-${name}.png`) }).catch(() => {});
}

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

async function waitFor(what, fn, timeout = WAIT) {
  const end = Date.now() + timeout;
  let last;
  while (Date.now() < end) {
    try {
      last = await fn();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out after ${timeout} ms waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
}

/** 1-based line numbers carrying a squiggle of `kind` (warning, error...) in the visible editor. */
async function squiggleLines(kind = "warning") {
  return page.evaluate((kind) => {
    const editor = document.querySelector(".editor-instance .monaco-editor");
    if (!editor) return null;
    const numbers = new Map();
    for (const el of editor.querySelectorAll(".margin-view-overlays > div")) {
      const n = el.querySelector(".line-numbers");
      if (n) numbers.set(el.style.top, Number(n.textContent.trim()));
    }
    const lines = [];
    for (const sq of editor.querySelectorAll(".view-overlays [class*='squiggly-']")) {
      const line = numbers.get(sq.parentElement.style.top);
      // Anything but a warning squiggle shows up with its kind, so it can never match the expectation.
      lines.push(sq.classList.contains(`squiggly-${kind}`) ? line : `${sq.className} on ${line}`);
    }
    return lines.sort((a, b) => String(a).localeCompare(String(b), undefined, { numeric: true }));
  }, kind);
}

/** The rows of the Problems panel, as text. */
async function problemRows() {
  return page.evaluate(() =>
    [...document.querySelectorAll(".markers-panel .monaco-list-row")].map((r) => r.innerText.replace(/\s+/g, " ").trim()),
  );
}

async function strictSquiggles(expected, kind = "warning") {
  await waitFor(`${kind} squiggles on lines ${JSON.stringify(expected)}`, async () => {
    const lines = await squiggleLines(kind);
    if (JSON.stringify(lines) !== JSON.stringify(expected)) throw new Error(`squiggles on lines ${JSON.stringify(lines)}`);
    return true;
  });
}

async function strictProblems(count) {
  return waitFor(`${count} problems in the Problems panel`, async () => {
    const rows = (await problemRows()).filter((r) => r.includes(RULE));
    if (rows.length !== count) throw new Error(`problem rows: ${JSON.stringify(await problemRows())}`);
    return rows.length === 0 ? ["none"] : rows;
  });
}

/** Clicks inside the text of a 1-based line of the visible editor. */
async function clickLine(line, column) {
  const box = await page.evaluate(
    ({ line, column }) => {
      const editor = document.querySelector(".editor-instance .monaco-editor");
      let top;
      for (const el of editor.querySelectorAll(".margin-view-overlays > div")) {
        const n = el.querySelector(".line-numbers");
        if (n && Number(n.textContent.trim()) === line) top = el.style.top;
      }
      const view = [...editor.querySelectorAll(".view-lines > .view-line")].find((el) => el.style.top === top);
      const r = view.getBoundingClientRect();
      const span = view.querySelector("span");
      const text = span.textContent;
      const charWidth = span.getBoundingClientRect().width / Math.max(text.length, 1);
      return { x: r.left + charWidth * (column - 0.5), y: r.top + r.height / 2 };
    },
    { line, column },
  );
  await page.mouse.click(box.x, box.y);
}

/**
 * A code-server of its own (user data, extensions, project folder with positive.tf) with the .vsix installed,
 * open in a new browser page. `env` is the environment of code-server, and so of the extension host.
 */
async function openSession(name, env) {
  const work = mkdtempSync(join(tmpdir(), `tfguard-code-server-${name}-`));
  const userData = join(work, "user-data");
  const extensions = join(work, "extensions");
  const folder = join(work, "project");
  mkdirSync(join(userData, "User"), { recursive: true });
  mkdirSync(folder);
  cpSync(join(testdata, "positive.tf"), join(folder, "positive.tf"));
  writeFileSync(
    join(userData, "User", "settings.json"),
    JSON.stringify({
      "editor.codeActionsOnSave": { "source.fixAll": "explicit" },
      "workbench.startupEditor": "none",
      "workbench.tips.enabled": false,
      "security.workspace.trust.enabled": false,
      "telemetry.telemetryLevel": "off",
      "extensions.autoCheckUpdates": false,
      "extensions.autoUpdate": false,
      "update.mode": "none",
      "files.autoSave": "off",
      "chat.disableAIFeatures": true,
    }, null, 2),
  );
  const common = ["--user-data-dir", userData, "--extensions-dir", extensions, "--config", join(work, "config.yaml")];
  // code-server is a node script: run it with this node, so a PATH without node (or Python) still works.
  const cs = (args, opts) => execFileSync(process.execPath, [codeServer, ...common, ...args], { env, ...opts });
  cs(["--install-extension", vsix, "--force"], { stdio: ["ignore", "pipe", "inherit"] });
  const listed = cs(["--list-extensions", "--show-versions"], { encoding: "utf8" });
  assert.match(listed, new RegExp(`tfguard\\.tfguard@${version.replace(/\./g, "\\.")}`), `installed extensions: ${listed}`);

  const port = await freePort();
  const session = { name, work, folder, log: "" };
  session.proc = spawn(
    process.execPath,
    [codeServer, ...common, "--bind-addr", `127.0.0.1:${port}`, "--auth", "none", "--disable-telemetry",
      "--disable-update-check", "--disable-workspace-trust", "--disable-getting-started-override", folder],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...env, CS_DISABLE_FILE_DOWNLOADS: "1" } },
  );
  session.proc.stdout.on("data", (d) => (session.log += d));
  session.proc.stderr.on("data", (d) => (session.log += d));
  sessions.push(session);
  const base = `http://127.0.0.1:${port}`;
  await waitFor("code-server to answer", async () => (await fetch(`${base}/healthz`)).ok, 30_000);

  browser ??= await chromium.launch({
    executablePath: chromiumPath,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(`${base}/?folder=${encodeURIComponent(folder)}`);
  return session;
}

/** Opens positive.tf from the Explorer. */
async function openPositive() {
  const item = page.getByRole("treeitem", { name: "positive.tf" });
  await item.waitFor({ timeout: WAIT });
  await shot("workbench");
  await item.click();
  await page.locator(".editor-instance .monaco-editor .view-lines").waitFor({ timeout: WAIT });
}

/** Runs a command from the command palette by its title. */
async function runCommand(title) {
  await page.keyboard.press("F1");
  const input = page.locator(".quick-input-widget input");
  await input.waitFor({ timeout: WAIT });
  await input.fill(`>${title}`);
  const row = page.locator(".quick-input-list .monaco-list-row", { hasText: title });
  await row.first().waitFor({ timeout: WAIT });
  await page.keyboard.press("Enter");
}

before(() => {
  for (const [what, p] of [
    ["the .vsix (run `npm run package` in editors/vscode)", vsix],
    ["code-server (run `bash editors/ci-setup.sh code-server`)", codeServer],
    ["chromium (apt-get install chromium)", chromiumPath],
  ]) {
    assert.ok(existsSync(p), `${what} is missing: ${p}`);
  }
});

after(async () => {
  await browser?.close().catch(() => {});
  mkdirSync(artifacts, { recursive: true });
  for (const s of sessions) {
    s.proc.kill();
    if (s.cleanup) rmSync(s.cleanup, { recursive: true, force: true });
    writeFileSync(join(artifacts, `code-server-${s.name}.log`), s.log);
    if (!failed) rmSync(s.work, { recursive: true, force: true });
  }
  console.error(`code-server test: screenshots and logs in ${artifacts}`);
});

describe("the tfguard extension in code-server", { timeout: 240_000 }, () => {
  let session;
  before(async () => {
    session = await openSession("main", process.env);
  });

  it("shows two warnings, on lines 2 and 7, as squiggles and in the Problems panel", async () => {
    await guard(async () => {
      await openPositive();
      await strictSquiggles([2, 7]);
      await shot("squiggles");
      await page.keyboard.press("Control+Shift+M");
      const rows = await strictProblems(2);
      await shot("problems");
      assert.ok(rows.some((r) => r.includes("[Ln 2, Col 3]")), `problem rows: ${JSON.stringify(rows)}`);
      assert.ok(rows.some((r) => r.includes("[Ln 7, Col 3]")), `problem rows: ${JSON.stringify(rows)}`);
      assert.ok(rows.every((r) => r.includes("tfguard")), `problem rows: ${JSON.stringify(rows)}`);
    });
  });

  it(`offers ${FIX} on Ctrl+. and applying it leaves one problem`, async () => {
    await guard(async () => {
      await clickLine(2, 10);
      await page.keyboard.press("Control+.");
      const option = page.locator(".action-widget .monaco-list-row", { hasText: FIX });
      await option.first().waitFor({ timeout: WAIT });
      await shot("quick-fix-menu");
      // The menu takes the keyboard (a click is intercepted by its pointer block): move to the fix, press Enter.
      await waitFor(`"${FIX}" to be the focused menu entry`, async () => {
        const focused = await page.locator(".action-widget .monaco-list-row.focused").innerText().catch(() => "");
        if (focused.includes(FIX)) return true;
        await page.keyboard.press("ArrowDown");
        return false;
      }, 10_000);
      await page.keyboard.press("Enter");
      await strictSquiggles([7]);
      await strictProblems(1);
      await shot("after-quick-fix");
    });
  });

  it("fixes everything on save with codeActionsOnSave source.fixAll", async () => {
    const file = join(session.folder, "positive.tf");
    await guard(async () => {
      await clickLine(7, 4);
      await page.keyboard.press("Control+S");
      await strictSquiggles([]);
      await strictProblems(0);
      await waitFor("the saved file to hold the fixed text", async () => {
        const dirty = await page.locator(".tab.dirty").count();
        return dirty === 0 && readFileSync(file, "utf8") === readFileSync(join(testdata, "positive.fixed.tf"), "utf8");
      }).catch((err) => {
        throw new Error(`${err.message}; file on disk:\n${readFileSync(file, "utf8")}`);
      });
      await shot("after-save");
    });
  });

  it('"tfguard: Restart Server" starts a new server, and "tfguard: Show Output" shows its log', async () => {
    await guard(async () => {
      // Undo fix-all (without saving), so the new server has something to report again.
      await page.keyboard.press("Control+Z");
      await strictSquiggles([7]);
      await runCommand("tfguard: Restart Server");
      await runCommand("tfguard: Show Output");
      const output = page.locator(".output-view .view-lines");
      await waitFor("the tfguard output to show the restart", async () => {
        // Editor lines use no-break spaces, and their DOM order is not the line order.
        const text = (await output.innerText().catch(() => "")).replace(/\u00a0/g, " ");
        const starts = text.match(/Starting the bundled tfguard server on Python 3\.\d+/g) ?? [];
        return text.includes("Restarting the tfguard server") && starts.length === 2 ? text : false;
      });
      await strictSquiggles([7]);
      await shot("after-restart");
    });
  });

  it("passes a changed tfguard.rules setting to the running server", async () => {
    await guard(async () => {
      // As a team would: in the workspace's .vscode/settings.json.
      mkdirSync(join(session.folder, ".vscode"));
      writeFileSync(join(session.folder, ".vscode", "settings.json"), JSON.stringify({ "tfguard.rules": { [RULE]: "error" } }));
      await strictSquiggles([7], "error");
      await shot("rule-as-error");
    });
  });
});

describe("the tfguard extension where there is no Python", { timeout: 120_000 }, () => {
  it("says once what is missing and which setting to change", async () => {
    await guard(async () => {
      // PATH holds node only: no python3 (nor any python) can be found. VSCODE_CLI=1 keeps VS Code from taking
      // PATH from a login shell instead (its "resolve shell environment" step, skipped when started from a CLI).
      const bin = mkdtempSync(join(tmpdir(), "tfguard-node-only-"));
      symlinkSync(process.execPath, join(bin, "node"));
      const session = await openSession("no-python", { ...process.env, PATH: bin, VSCODE_CLI: "1" });
      session.cleanup = bin;
      await openPositive();
      const toast = page.locator(".notifications-toasts .notification-toast", { hasText: "tfguard needs Python" });
      await toast.first().waitFor({ timeout: WAIT });
      await shot("no-python");
      const text = await toast.first().innerText();
      assert.match(text, /tfguard needs Python 3\.10 or newer to run its language server and found none/);
      assert.match(text, /There is no python3 on PATH/);
      assert.match(text, /tfguard\.interpreter/);
      assert.equal(await page.locator(".notifications-toasts .notification-toast").count(), 1, "exactly one notification");
      assert.ok(await toast.locator(".monaco-button", { hasText: "Open Settings" }).count(), "an Open Settings button");
      assert.deepEqual(await squiggleLines(), []);
    });
  });
});
