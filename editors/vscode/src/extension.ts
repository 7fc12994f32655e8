// Wires the launch logic (launch.ts) to VS Code: one language client, its output channel, two commands.
import * as vscode from "vscode";
import { LanguageClient, type LanguageClientOptions, type ServerOptions, TransportKind } from "vscode-languageclient/node";
import { LaunchError, resolveLaunch, serverSettings, type ClientSettings } from "./launch";

const SECTION = "tfguard";
let client: LanguageClient | undefined;
let output: vscode.LogOutputChannel;
/** Serialises start/stop/restart so two quick restarts never run two servers. */
let queue: Promise<void> = Promise.resolve();

export function activate(context: vscode.ExtensionContext): void {
  output = vscode.window.createOutputChannel("tfguard", { log: true });
  context.subscriptions.push(
    output,
    vscode.commands.registerCommand("tfguard.restartServer", () => enqueue(() => restart(context))),
    vscode.commands.registerCommand("tfguard.showOutput", () => output.show(true)),
    vscode.workspace.onDidChangeConfiguration((e) => {
      // A different interpreter or executable needs a new process; other settings reach the running
      // server through workspace/didChangeConfiguration (the client's synchronize option).
      if (e.affectsConfiguration(`${SECTION}.interpreter`) || e.affectsConfiguration(`${SECTION}.path`)) {
        void enqueue(() => restart(context));
      }
    }),
  );
  void enqueue(() => start(context));
}

export function deactivate(): Thenable<void> | undefined {
  return enqueue(stop);
}

function enqueue(task: () => Promise<void>): Promise<void> {
  queue = queue.then(task, task);
  return queue;
}

function clientSettings(): ClientSettings {
  const cfg = vscode.workspace.getConfiguration(SECTION);
  return { interpreter: cfg.get<string>("interpreter", ""), path: cfg.get<string>("path", "") };
}

async function start(context: vscode.ExtensionContext): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  let launch;
  try {
    launch = await resolveLaunch(clientSettings(), context.extensionPath, undefined, folder);
  } catch (err) {
    if (!(err instanceof LaunchError)) throw err;
    output.error(err.message);
    const open = "Open Settings";
    void vscode.window.showErrorMessage(err.message, open, "Show Output").then((choice) => {
      if (choice === open) void vscode.commands.executeCommand("workbench.action.openSettings", err.setting ?? SECTION);
      else if (choice) output.show(true);
    });
    return;
  }
  output.info(`Starting the ${launch.description}: ${[launch.command, ...launch.args].join(" ")}`);

  const serverOptions: ServerOptions = {
    command: launch.command,
    args: launch.args,
    transport: TransportKind.stdio,
    options: { env: launch.env, cwd: folder },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: "file", language: "terraform" },
      { scheme: "untitled", language: "terraform" },
      // variable files feed the resolution of var.NAME; JSON syntax files are Terraform too
      { scheme: "file", language: "terraform-vars" },
      { scheme: "file", pattern: "**/*.tf.json" },
      { scheme: "file", pattern: "**/*.tfvars.json" },
    ],
    outputChannel: output,
    initializationOptions: serverSettings(vscode.workspace.getConfiguration(SECTION) as unknown as Record<string, unknown>),
    synchronize: { configurationSection: SECTION },
    middleware: {
      workspace: {
        // The server asks for section "tfguard"; answer with the same mapping as initializationOptions.
        configuration: (params, token, next) => {
          const items = params.items;
          if (!items.some((i) => i.section === SECTION)) return next(params, token);
          return items.map((item) => {
            const scope = item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined;
            if (item.section === SECTION) {
              return serverSettings(vscode.workspace.getConfiguration(SECTION, scope) as unknown as Record<string, unknown>);
            }
            return item.section ? (vscode.workspace.getConfiguration(undefined, scope).get(item.section) ?? null) : null;
          });
        },
      },
    },
  };
  client = new LanguageClient(SECTION, "tfguard", serverOptions, clientOptions);
  try {
    await client.start();
  } catch (err) {
    const message = `tfguard: the language server did not start (${launch.command} ${launch.args.join(" ")}): ${String(err)}`;
    output.error(message);
    void vscode.window.showErrorMessage(message, "Show Output").then((c) => c && output.show(true));
  }
}

async function stop(): Promise<void> {
  const c = client;
  client = undefined;
  if (c) {
    try {
      await c.stop();
    } catch (err) {
      output.warn(`Stopping the server: ${String(err)}`);
    }
  }
}

async function restart(context: vscode.ExtensionContext): Promise<void> {
  output.info("Restarting the tfguard server");
  await stop();
  await start(context);
}
