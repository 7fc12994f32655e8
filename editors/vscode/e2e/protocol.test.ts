// Starts the tfguard server exactly as the extension does (resolveLaunch on the real machine, the bundled server
// in ../bundled) and talks LSP to it over stdio: diagnostics on the KICS positive.tf, the quick fix, fix-all.
// Needs `npm run bundle-server` first (npm run package does it) and a Python >= 3.10 on PATH.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { TextDocument } from "vscode-languageserver-textdocument";
import {
  type CodeAction,
  type Diagnostic,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
  type TextEdit,
  CodeActionRequest,
  ConfigurationRequest,
  createProtocolConnection,
  DidOpenTextDocumentNotification,
  DocumentDiagnosticRequest,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  PublishDiagnosticsNotification,
  RegistrationRequest,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
} from "vscode-languageserver-protocol/node";
import { resolveLaunch, serverSettings } from "../src/launch";

const extensionRoot = resolve(__dirname, "..", "..");
const testdata = resolve(extensionRoot, "..", "testdata");
const RULE = "terraform-aws-iam-access-key-is-exposed";
const TIMEOUT = 20_000;

function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${TIMEOUT} ms waiting for ${what}`)), TIMEOUT).unref()),
  ]);
}

/** One server process and connection, declaring the capabilities that matter here like VS Code 1.100 does. */
class Session {
  proc!: ChildProcess;
  conn!: ProtocolConnection;
  stderr = "";
  configurationRequests: unknown[] = [];
  private pushed = new Map<string, PublishDiagnosticsParams>();
  private waiters: Array<() => void> = [];

  /** `section` is the user's tfguard.* settings, sent as the extension sends them. */
  async start(pull: boolean, section: Record<string, unknown> = {}): Promise<void> {
    const launch = await resolveLaunch({ interpreter: process.env.TFGUARD_TEST_INTERPRETER ?? "", path: "" }, extensionRoot);
    this.proc = spawn(launch.command, launch.args, { env: launch.env, stdio: ["pipe", "pipe", "pipe"] });
    this.proc.stderr!.on("data", (d: Buffer) => (this.stderr += d.toString()));
    this.conn = createProtocolConnection(new StreamMessageReader(this.proc.stdout!), new StreamMessageWriter(this.proc.stdin!));
    this.conn.onRequest(RegistrationRequest.type, () => undefined);
    this.conn.onRequest(ConfigurationRequest.type, (params) => {
      this.configurationRequests.push(params);
      return params.items.map((i) => (i.section === "tfguard" ? serverSettings(section) : null));
    });
    this.conn.onNotification(PublishDiagnosticsNotification.type, (p) => {
      this.pushed.set(p.uri, p);
      this.waiters.splice(0).forEach((w) => w());
    });
    this.conn.listen();
    const result = await withTimeout(
      this.conn.sendRequest(InitializeRequest.type, {
        processId: process.pid,
        rootUri: pathToFileURL(testdata).href,
        workspaceFolders: [{ uri: pathToFileURL(testdata).href, name: "testdata" }],
        initializationOptions: serverSettings(section),
        capabilities: {
          general: { positionEncodings: ["utf-16"] },
          workspace: { configuration: true, workspaceEdit: { documentChanges: true }, didChangeConfiguration: { dynamicRegistration: true } },
          textDocument: {
            synchronization: { dynamicRegistration: true },
            publishDiagnostics: { relatedInformation: true, codeDescriptionSupport: true, versionSupport: true },
            codeAction: {
              isPreferredSupport: true,
              codeActionLiteralSupport: { codeActionKind: { valueSet: ["", "quickfix", "source", "source.fixAll"] } },
            },
            ...(pull ? { diagnostic: { dynamicRegistration: true, relatedDocumentSupport: false } } : {}),
          },
        },
      }),
      `the answer to initialize (server stderr: ${this.stderr})`,
    );
    assert.ok(result.capabilities.codeActionProvider, "the server offers code actions");
    await this.conn.sendNotification(InitializedNotification.type, {});
  }

  async open(uri: string, text: string): Promise<void> {
    await this.conn.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId: "terraform", version: 1, text },
    });
  }

  async pushedDiagnostics(uri: string, count: number): Promise<Diagnostic[]> {
    const ok = () => this.pushed.get(uri)?.diagnostics.length === count;
    await withTimeout(
      new Promise<void>((res) => {
        const check = () => (ok() ? res() : this.waiters.push(check));
        check();
      }),
      `${count} pushed diagnostics (last push: ${JSON.stringify(this.pushed.get(uri)?.diagnostics)}; stderr: ${this.stderr})`,
    );
    return this.pushed.get(uri)!.diagnostics;
  }

  async stop(): Promise<void> {
    if (!this.conn) return;
    const exited = new Promise<number | null>((res) => this.proc.once("exit", (code) => res(code)));
    try {
      await withTimeout(this.conn.sendRequest(ShutdownRequest.type), "the answer to shutdown");
      await this.conn.sendNotification(ExitNotification.type);
      assert.equal(await withTimeout(exited, "the server to exit"), 0, `the server exits cleanly (stderr: ${this.stderr})`);
    } finally {
      this.conn.dispose();
      this.proc.kill();
    }
  }
}

function checkFindings(diags: Diagnostic[]): void {
  const sorted = [...diags].sort((a, b) => a.range.start.line - b.range.start.line);
  assert.deepEqual(
    sorted.map((d) => [d.range.start.line + 1, d.code, d.source, d.severity]),
    [
      [2, RULE, "tfguard", 2],
      [7, RULE, "tfguard", 2],
    ],
  );
  // The range is the `user = "root"` attribute (0-based characters 2 to 15 on both lines).
  assert.deepEqual(sorted.map((d) => [d.range.start.character, d.range.end.line + 1, d.range.end.character]), [
    [2, 2, 15],
    [2, 7, 15],
  ]);
  assert.match(String(sorted[0].message), /aws_iam_access_key\.positive1/);
  assert.match(String(sorted[1].message), /aws_iam_access_key\.positive2/);
}

function edits(action: CodeAction, uri: string): TextEdit[] {
  const e = action.edit;
  assert.ok(e, `the action "${action.title}" carries an edit`);
  if (e.documentChanges) {
    return e.documentChanges.flatMap((c) => ("textDocument" in c && c.textDocument.uri === uri ? (c.edits as TextEdit[]) : []));
  }
  return e.changes?.[uri] ?? [];
}

describe("the tfguard server started as the extension starts it", () => {
  const text = readFileSync(join(testdata, "positive.tf"), "utf8");
  const fixed = readFileSync(join(testdata, "positive.fixed.tf"), "utf8");
  const uri = pathToFileURL(join(testdata, "positive.tf")).href;

  before(() => {
    assert.ok(
      existsSync(join(extensionRoot, "bundled", "libs", "tfguard")),
      "the bundled server is missing: run `npm run bundle-server` (or `npm run package`) in editors/vscode first",
    );
  });

  describe("with a push client (like Neovim 0.7)", () => {
    const s = new Session();
    before(() => s.start(false));
    after(() => s.stop());

    it("publishes two warnings, on lines 2 and 7, with the rule id", async () => {
      await s.open(uri, text);
      checkFindings(await s.pushedDiagnostics(uri, 2));
    });

    it("publishes no diagnostic for the KICS negative.tf", async () => {
      const negative = pathToFileURL(join(testdata, "negative.tf")).href;
      await s.open(negative, readFileSync(join(testdata, "negative.tf"), "utf8"));
      assert.deepEqual(await s.pushedDiagnostics(negative, 0), []);
    });

    it("offers the preferred quick fix and fix-all, whose edits give the promised text", async () => {
      const diags = await s.pushedDiagnostics(uri, 2);
      const first = diags.find((d) => d.range.start.line === 1)!;
      const quick = (await s.conn.sendRequest(CodeActionRequest.type, {
        textDocument: { uri },
        range: first.range,
        context: { diagnostics: [first], only: ["quickfix"] },
      })) as CodeAction[];
      const titles = quick.map((a) => a.title);
      assert.ok(titles.includes('Set status to "Inactive"'), `quick fixes offered: ${JSON.stringify(titles)}`);
      const action = quick.find((a) => a.title === 'Set status to "Inactive"')!;
      assert.equal(action.kind, "quickfix");
      assert.equal(action.isPreferred, true);
      const doc = TextDocument.create(uri, "terraform", 1, text);
      const afterQuick = TextDocument.applyEdits(doc, edits(action, uri));
      assert.equal(afterQuick, text.replace('status = "Active"', 'status = "Inactive"'));

      const all = (await s.conn.sendRequest(CodeActionRequest.type, {
        textDocument: { uri },
        range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
        context: { diagnostics: [], only: ["source.fixAll"], triggerKind: 1 },
      })) as CodeAction[];
      assert.equal(all.length, 1, `fix-all actions: ${JSON.stringify(all.map((a) => [a.title, a.kind]))}`);
      assert.match(all[0].kind ?? "", /^source\.fixAll/);
      assert.equal(TextDocument.applyEdits(doc, edits(all[0], uri)), fixed);
    });
  });

  describe("with tfguard.rules setting the rule to error", () => {
    const s = new Session();
    before(() => s.start(false, { interpreter: "", path: "", trace: { server: "off" }, rules: { [RULE]: "error" } }));
    after(() => s.stop());

    it("reports the findings as errors", async () => {
      await s.open(uri, text);
      const diags = await s.pushedDiagnostics(uri, 2);
      assert.deepEqual(diags.map((d) => [d.range.start.line + 1, d.code, d.severity]).sort(), [
        [2, RULE, 1],
        [7, RULE, 1],
      ]);
    });
  });

  describe("with a pull client (like VS Code 1.100)", () => {
    const s = new Session();
    before(() => s.start(true));
    after(() => s.stop());

    it("answers textDocument/diagnostic with the two findings", async () => {
      await s.open(uri, text);
      const report = await withTimeout(
        s.conn.sendRequest(DocumentDiagnosticRequest.type, { textDocument: { uri } }),
        "the answer to textDocument/diagnostic",
      );
      assert.equal(report.kind, "full");
      checkFindings(report.kind === "full" ? report.items : []);
    });
  });
});
