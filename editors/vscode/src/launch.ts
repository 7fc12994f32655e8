// How the extension finds a Python and builds the command line that starts the tfguard server.
// Nothing here imports `vscode`, so `node --test` exercises it directly; extension.ts only wires it up.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** The oldest Python the bundled server supports (pyproject.toml: requires-python >= 3.10). */
export const MIN_PYTHON: readonly [number, number] = [3, 10];

/** Settings that only the client reads; every other `tfguard.*` setting is the server's. */
export const CLIENT_ONLY_SETTINGS: readonly string[] = ["interpreter", "path", "trace"];

/** What the probe script learns about an interpreter. */
export interface PythonInfo {
  executable: string;
  version: [number, number, number];
  /** Names the folder of compiled modules built for this interpreter, e.g. `cp311-linux-x86_64`. */
  tag: string;
  /** Whether the interpreter itself can import the compiled `regex` module python-hcl2 needs. */
  hasRegex: boolean;
}

export interface ClientSettings {
  interpreter: string;
  path: string;
}

/** The process the language client starts (stdio). */
export interface ServerLaunch {
  command: string;
  args: string[];
  env: Record<string, string | undefined>;
  /** One line for the output channel saying what was chosen and why. */
  description: string;
}

/** A problem the user can fix by changing a setting or installing something; `message` is shown as is. */
export class LaunchError extends Error {
  constructor(
    message: string,
    readonly setting?: string,
  ) {
    super(message);
    this.name = "LaunchError";
  }
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Set when the program could not be started at all (ENOENT, EACCES, timeout). */
  error?: string;
}

/** The world as launch logic sees it: replaced by fakes in the unit tests. */
export interface Host {
  platform: NodeJS.Platform;
  env: Record<string, string | undefined>;
  isFile(p: string): boolean;
  isDirectory(p: string): boolean;
  run(command: string, args: string[], timeoutMs: number): Promise<RunResult>;
  homedir: string;
}

export const nodeHost: Host = {
  platform: process.platform,
  env: process.env,
  isFile: (p) => {
    try {
      return fs.statSync(p).isFile();
    } catch {
      return false;
    }
  },
  isDirectory: (p) => {
    try {
      return fs.statSync(p).isDirectory();
    } catch {
      return false;
    }
  },
  run: (command, args, timeoutMs) =>
    new Promise((resolve) => {
      execFile(command, args, { timeout: timeoutMs, windowsHide: true }, (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { killed?: boolean }) | null;
        if (e && (typeof e.code === "string" || e.killed)) {
          resolve({ code: null, stdout, stderr, error: e.killed ? "timed out" : String(e.code) });
        } else {
          resolve({ code: e ? (typeof e.code === "number" ? e.code : 1) : 0, stdout, stderr });
        }
      });
    }),
  homedir: os.homedir(),
};

/** Printed by every candidate interpreter: one JSON line, valid on any Python 3 (so an old one can say its version). */
export const PROBE_SCRIPT = [
  "import sys, json, platform, importlib.util",
  "v = sys.version_info",
  "impl = {'cpython': 'cp', 'pypy': 'pp'}.get(sys.implementation.name, sys.implementation.name)",
  "tag = '%s%d%d-%s-%s' % (impl, v[0], v[1], sys.platform, platform.machine().lower())",
  "print(json.dumps({'executable': sys.executable, 'version': [v[0], v[1], v[2]], 'tag': tag,",
  "  'hasRegex': importlib.util.find_spec('regex') is not None}))",
].join("\n");

/** Names tried on PATH, in order, when `tfguard.interpreter` is empty. */
export function candidateNames(platform: NodeJS.Platform): string[] {
  const minors = [14, 13, 12, 11, 10].map((m) => `python3.${m}`);
  return platform === "win32" ? ["python3", "python", "py"] : ["python3", ...minors, "python"];
}

function pathApi(platform: NodeJS.Platform): typeof path.posix {
  return platform === "win32" ? path.win32 : path.posix;
}

function envPath(host: Host): string {
  // Windows spells it Path; Node's process.env is case-insensitive there but a plain object is not.
  const key = Object.keys(host.env).find((k) => k.toUpperCase() === "PATH");
  return (key && host.env[key]) || "";
}

/** Every executable called `name` on PATH, in PATH order (all of them: the first may be too old). */
export function findOnPath(name: string, host: Host): string[] {
  const p = pathApi(host.platform);
  const sep = host.platform === "win32" ? ";" : ":";
  const exts =
    host.platform === "win32"
      ? ["", ...(host.env.PATHEXT || ".COM;.EXE;.BAT;.CMD").split(";").filter(Boolean).map((e) => e.toLowerCase())]
      : [""];
  const found: string[] = [];
  for (const dir of envPath(host).split(sep)) {
    if (!dir) continue;
    for (const ext of exts) {
      const full = p.join(dir, name + ext);
      if (host.isFile(full) && !found.includes(full)) found.push(full);
    }
  }
  return found;
}

/** `~/x` and `${userHome}/x` become absolute; `${workspaceFolder}` is replaced when one is open. */
export function expandPath(value: string, host: Host, workspaceFolder?: string): string {
  let v = value.trim();
  v = v.replace(/\$\{userHome\}/g, host.homedir);
  if (workspaceFolder) v = v.replace(/\$\{workspaceFolder\}/g, workspaceFolder);
  if (v === "~" || v.startsWith("~/") || v.startsWith("~\\")) v = host.homedir + v.slice(1);
  return v;
}

function looksLikePath(value: string, platform: NodeJS.Platform): boolean {
  return value.includes("/") || (platform === "win32" && value.includes("\\"));
}

/** Resolves a setting that may be a bare name (looked up on PATH) or a path. */
function resolveExecutable(value: string, host: Host, workspaceFolder?: string): string | undefined {
  const v = expandPath(value, host, workspaceFolder);
  if (looksLikePath(v, host.platform)) {
    const abs = pathApi(host.platform).resolve(workspaceFolder ?? host.homedir, v);
    return host.isFile(abs) ? abs : undefined;
  }
  return findOnPath(v, host)[0];
}

export function formatVersion(v: readonly number[]): string {
  return v.join(".");
}

function versionOk(v: readonly number[]): boolean {
  return v[0] > MIN_PYTHON[0] || (v[0] === MIN_PYTHON[0] && v[1] >= MIN_PYTHON[1]);
}

/** Runs the probe; a string result says why this candidate is unusable. */
export async function probe(executable: string, host: Host, extraArgs: string[] = []): Promise<PythonInfo | string> {
  const r = await host.run(executable, [...extraArgs, "-c", PROBE_SCRIPT], 10_000);
  if (r.error) return `could not be started (${r.error})`;
  if (r.code !== 0) return `exited with code ${r.code}: ${firstLine(r.stderr) || "no message"}`;
  try {
    const info = JSON.parse(r.stdout.trim().split(/\r?\n/).pop() ?? "") as PythonInfo;
    if (!Array.isArray(info.version) || typeof info.tag !== "string") throw new Error("bad shape");
    return info;
  } catch {
    return `did not answer like a Python interpreter: ${firstLine(r.stdout) || firstLine(r.stderr)}`;
  }
}

function firstLine(s: string): string {
  return s.trim().split(/\r?\n/)[0] ?? "";
}

const NEED = `Python ${formatVersion(MIN_PYTHON)} or newer`;

/**
 * The interpreter that will run the bundled server: `tfguard.interpreter` when set (it must be good enough:
 * no silent fallback), otherwise the first candidate on PATH of a suitable version.
 */
export async function discoverInterpreter(
  setting: string,
  host: Host,
  workspaceFolder?: string,
): Promise<PythonInfo> {
  if (setting.trim()) {
    const exe = resolveExecutable(setting, host, workspaceFolder);
    if (!exe) {
      throw new LaunchError(
        `tfguard: "tfguard.interpreter" is set to "${setting}", which was not found. ` +
          `Set it to a ${NEED} executable, or clear it to use the first python3 on PATH.`,
        "tfguard.interpreter",
      );
    }
    const info = await probe(exe, host);
    if (typeof info === "string") {
      throw new LaunchError(`tfguard: "tfguard.interpreter" (${exe}) ${info}. Set it to a ${NEED} executable.`, "tfguard.interpreter");
    }
    if (!versionOk(info.version)) {
      throw new LaunchError(
        `tfguard: "tfguard.interpreter" (${exe}) is Python ${formatVersion(info.version)}; tfguard needs ${NEED}. ` +
          `Set "tfguard.interpreter" to a newer Python.`,
        "tfguard.interpreter",
      );
    }
    return info;
  }
  const tried: string[] = [];
  const seen = new Set<string>();
  for (const name of candidateNames(host.platform)) {
    for (const exe of findOnPath(name, host)) {
      if (seen.has(exe)) continue;
      seen.add(exe);
      const info = await probe(exe, host, name === "py" ? ["-3"] : []);
      if (typeof info === "string") {
        tried.push(`${exe} ${info}`);
        continue;
      }
      if (versionOk(info.version)) return info;
      tried.push(`${exe} is Python ${formatVersion(info.version)}`);
    }
  }
  const found = tried.length ? ` Found: ${tried.join("; ")}.` : " There is no python3 on PATH.";
  throw new LaunchError(
    `tfguard needs ${NEED} to run its language server and found none.${found} ` +
      `Install ${NEED}, or set "tfguard.interpreter" to one, or set "tfguard.path" to an installed tfguard.`,
    "tfguard.interpreter",
  );
}

/** Where the bundled server and its dependencies live inside the extension. */
export function bundledPaths(extensionRoot: string, info: PythonInfo, platform: NodeJS.Platform) {
  const p = pathApi(platform);
  return { libs: p.join(extensionRoot, "bundled", "libs"), native: p.join(extensionRoot, "bundled", "native", info.tag) };
}

/** The command line for the bundled server run by `info`; PYTHONPATH puts the bundle ahead of anything else. */
export function bundledServerLaunch(
  extensionRoot: string,
  info: PythonInfo,
  host: Host,
): ServerLaunch {
  const { libs, native } = bundledPaths(extensionRoot, info, host.platform);
  if (!host.isDirectory(pathApi(host.platform).join(libs, "tfguard"))) {
    throw new LaunchError(
      `tfguard: this copy of the extension has no bundled server (${libs} is missing). ` +
        `Reinstall the extension, or set "tfguard.path" to an installed tfguard.`,
      "tfguard.path",
    );
  }
  const entries = [libs];
  if (host.isDirectory(native)) {
    entries.push(native);
  } else if (!info.hasRegex) {
    throw new LaunchError(
      `tfguard: the bundled server needs the compiled Python module "regex", which this extension does not carry ` +
        `for ${info.tag} (${info.executable}). Run "${info.executable} -m pip install regex", or set ` +
        `"tfguard.interpreter" to another Python, or "tfguard.path" to an installed tfguard.`,
      "tfguard.interpreter",
    );
  }
  const sep = host.platform === "win32" ? ";" : ":";
  const previous = host.env.PYTHONPATH;
  const env = { ...host.env, PYTHONPATH: [...entries, ...(previous ? [previous] : [])].join(sep) };
  return {
    command: info.executable,
    args: ["-m", "tfguard", "lsp"],
    env,
    description: `bundled tfguard server on Python ${formatVersion(info.version)} (${info.executable})`,
  };
}

/** Decides how to start the server from the client settings. */
export async function resolveLaunch(
  settings: ClientSettings,
  extensionRoot: string,
  host: Host = nodeHost,
  workspaceFolder?: string,
): Promise<ServerLaunch> {
  if (settings.path.trim()) {
    const exe = resolveExecutable(settings.path, host, workspaceFolder);
    if (!exe) {
      throw new LaunchError(
        `tfguard: "tfguard.path" is set to "${settings.path}", which was not found. ` +
          `Point it at an installed tfguard, or clear it to use the server bundled with the extension.`,
        "tfguard.path",
      );
    }
    return { command: exe, args: ["lsp"], env: { ...host.env }, description: `tfguard from "tfguard.path" (${exe})` };
  }
  const info = await discoverInterpreter(settings.interpreter, host, workspaceFolder);
  return bundledServerLaunch(extensionRoot, info, host);
}

/**
 * The settings the server receives, both as `initializationOptions` and as the answer to
 * `workspace/configuration` for the section "tfguard": every `tfguard.*` value except the client-only ones,
 * as plain JSON (VS Code's configuration objects carry functions).
 */
export function serverSettings(section: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!section) return out;
  for (const [key, value] of Object.entries(section)) {
    if (CLIENT_ONLY_SETTINGS.includes(key) || typeof value === "function" || value === undefined) continue;
    out[key] = JSON.parse(JSON.stringify(value)) as unknown;
  }
  return out;
}
