// Unit tests of the launch logic: interpreter discovery, the server command line, the settings sent to the server.
// A fake Host stands in for the file system, PATH and running programs.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  LaunchError,
  PROBE_SCRIPT,
  type Host,
  type PythonInfo,
  type RunResult,
  candidateNames,
  discoverInterpreter,
  findOnPath,
  resolveLaunch,
  serverSettings,
} from "../src/launch";

const EXT = "/ext";
const LIBS = "/ext/bundled/libs";

interface FakePython {
  version: [number, number, number];
  tag?: string;
  hasRegex?: boolean;
  fail?: RunResult;
}

function fakeHost(opts: {
  path?: string;
  pythons?: Record<string, FakePython>;
  files?: string[];
  dirs?: string[];
  env?: Record<string, string>;
  platform?: NodeJS.Platform;
}): Host & { calls: string[][] } {
  const pythons = opts.pythons ?? {};
  const files = new Set([...(opts.files ?? []), ...Object.keys(pythons)]);
  const dirs = new Set(opts.dirs ?? [`${LIBS}/tfguard`, "/ext/bundled/native/cp311-linux-x86_64"]);
  const calls: string[][] = [];
  return {
    calls,
    platform: opts.platform ?? "linux",
    env: { PATH: opts.path ?? "/usr/local/bin:/usr/bin", ...(opts.env ?? {}) },
    homedir: "/home/u",
    isFile: (p) => files.has(p),
    isDirectory: (p) => dirs.has(p),
    run: async (command, args) => {
      calls.push([command, ...args]);
      const py = pythons[command];
      if (!py) return { code: null, stdout: "", stderr: "", error: "ENOENT" };
      if (py.fail) return py.fail;
      assert.equal(args[args.length - 1], PROBE_SCRIPT);
      const info: PythonInfo = {
        executable: command,
        version: py.version,
        tag: py.tag ?? `cp${py.version[0]}${py.version[1]}-linux-x86_64`,
        hasRegex: py.hasRegex ?? false,
      };
      return { code: 0, stdout: JSON.stringify(info) + "\n", stderr: "" };
    },
  };
}

async function launchError(p: Promise<unknown>): Promise<LaunchError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof LaunchError, `expected a LaunchError, got ${String(err)}`);
    return err;
  }
  assert.fail("expected the launch to fail");
}

describe("interpreter discovery", () => {
  it("takes the first python3 on PATH when it is new enough", async () => {
    const host = fakeHost({ pythons: { "/usr/local/bin/python3": { version: [3, 11, 7] }, "/usr/bin/python3": { version: [3, 12, 0] } } });
    const info = await discoverInterpreter("", host);
    assert.equal(info.executable, "/usr/local/bin/python3");
  });

  it("skips a python3 older than 3.10 and keeps looking, also at python3.X names", async () => {
    const host = fakeHost({
      pythons: { "/usr/local/bin/python3": { version: [3, 9, 2] }, "/usr/bin/python3.11": { version: [3, 11, 2] } },
    });
    const info = await discoverInterpreter("", host);
    assert.equal(info.executable, "/usr/bin/python3.11");
    assert.deepEqual(info.version, [3, 11, 2]);
  });

  it("accepts exactly 3.10 and rejects 2.7", async () => {
    const host = fakeHost({ pythons: { "/usr/bin/python3": { version: [3, 10, 0] }, "/usr/local/bin/python": { version: [2, 7, 18] } } });
    assert.equal((await discoverInterpreter("", host)).executable, "/usr/bin/python3");
  });

  it("says what it found and what to set when no Python is suitable", async () => {
    const host = fakeHost({
      pythons: {
        "/usr/bin/python3": { version: [3, 8, 10] },
        "/usr/local/bin/python": { version: [3, 9, 0], fail: { code: 1, stdout: "", stderr: "boom\nmore" } },
      },
    });
    const err = await launchError(discoverInterpreter("", host));
    assert.match(err.message, /needs Python 3\.10 or newer/);
    assert.match(err.message, /\/usr\/bin\/python3 is Python 3\.8\.10/);
    assert.match(err.message, /\/usr\/local\/bin\/python exited with code 1: boom/);
    assert.match(err.message, /"tfguard\.interpreter"/);
    assert.match(err.message, /"tfguard\.path"/);
    assert.equal(err.setting, "tfguard.interpreter");
  });

  it("says there is no python3 at all on an empty PATH", async () => {
    const err = await launchError(discoverInterpreter("", fakeHost({ path: "" })));
    assert.match(err.message, /There is no python3 on PATH/);
  });

  it("uses tfguard.interpreter when set, as a path or a name on PATH, without falling back", async () => {
    const host = fakeHost({
      pythons: { "/opt/py/bin/python": { version: [3, 13, 1] }, "/usr/bin/python3": { version: [3, 11, 0] }, "/usr/bin/pypy3": { version: [3, 10, 14] } },
    });
    assert.equal((await discoverInterpreter("/opt/py/bin/python", host)).executable, "/opt/py/bin/python");
    assert.equal((await discoverInterpreter("pypy3", host)).executable, "/usr/bin/pypy3");
    const missing = await launchError(discoverInterpreter("/nope/python", host));
    assert.match(missing.message, /"tfguard\.interpreter" is set to "\/nope\/python", which was not found/);
  });

  it("expands ~ and ${workspaceFolder} in tfguard.interpreter", async () => {
    const host = fakeHost({ pythons: { "/home/u/.venv/bin/python": { version: [3, 12, 1] }, "/ws/.venv/bin/python": { version: [3, 12, 1] } } });
    assert.equal((await discoverInterpreter("~/.venv/bin/python", host)).executable, "/home/u/.venv/bin/python");
    assert.equal((await discoverInterpreter("${workspaceFolder}/.venv/bin/python", host, "/ws")).executable, "/ws/.venv/bin/python");
    assert.equal((await discoverInterpreter(".venv/bin/python", host, "/ws")).executable, "/ws/.venv/bin/python");
  });

  it("rejects a tfguard.interpreter that is too old, naming its version", async () => {
    const host = fakeHost({ pythons: { "/usr/bin/python3.9": { version: [3, 9, 18] }, "/usr/bin/python3": { version: [3, 11, 0] } } });
    const err = await launchError(discoverInterpreter("/usr/bin/python3.9", host));
    assert.match(err.message, /is Python 3\.9\.18; tfguard needs Python 3\.10 or newer/);
  });

  it("finds .exe files through PATHEXT on Windows and tries the py launcher with -3", async () => {
    const host = fakeHost({
      platform: "win32",
      path: "C:\\Windows;C:\\Py",
      env: { PATHEXT: ".EXE;.BAT" },
      pythons: { "C:\\Windows\\py.exe": { version: [3, 12, 4], tag: "cp312-win32-amd64" } },
    });
    assert.deepEqual(candidateNames("win32"), ["python3", "python", "py"]);
    assert.deepEqual(findOnPath("py", host), ["C:\\Windows\\py.exe"]);
    const info = await discoverInterpreter("", host);
    assert.equal(info.executable, "C:\\Windows\\py.exe");
    assert.deepEqual(host.calls.at(-1)?.slice(0, 2), ["C:\\Windows\\py.exe", "-3"]);
  });
});

describe("the server command line", () => {
  it("runs the bundled server as `python -m tfguard lsp` with the bundle first on PYTHONPATH", async () => {
    const host = fakeHost({ pythons: { "/usr/bin/python3": { version: [3, 11, 4] } }, env: { PYTHONPATH: "/mine" } });
    const launch = await resolveLaunch({ interpreter: "", path: "" }, EXT, host);
    assert.equal(launch.command, "/usr/bin/python3");
    assert.deepEqual(launch.args, ["-m", "tfguard", "lsp"]);
    assert.equal(launch.env.PYTHONPATH, `${LIBS}:/ext/bundled/native/cp311-linux-x86_64:/mine`);
    assert.equal(launch.env.PATH, host.env.PATH);
  });

  it("does without a native folder when the interpreter has its own regex", async () => {
    const host = fakeHost({ pythons: { "/usr/bin/python3": { version: [3, 15, 0], hasRegex: true } } });
    const launch = await resolveLaunch({ interpreter: "", path: "" }, EXT, host);
    assert.equal(launch.env.PYTHONPATH, LIBS);
  });

  it("explains what to do when there is no compiled regex for the interpreter", async () => {
    const host = fakeHost({ pythons: { "/usr/bin/python3": { version: [3, 15, 0], hasRegex: false } } });
    const err = await launchError(resolveLaunch({ interpreter: "", path: "" }, EXT, host));
    assert.match(err.message, /needs the compiled Python module "regex".*cp315-linux-x86_64/);
    assert.match(err.message, /\/usr\/bin\/python3 -m pip install regex/);
  });

  it("says the bundle is missing rather than starting a server that cannot import", async () => {
    const host = fakeHost({ pythons: { "/usr/bin/python3": { version: [3, 11, 4] } }, dirs: [] });
    const err = await launchError(resolveLaunch({ interpreter: "", path: "" }, EXT, host));
    assert.match(err.message, /no bundled server/);
  });

  it("runs `tfguard lsp` from tfguard.path, before and without any Python discovery", async () => {
    const host = fakeHost({ files: ["/home/u/.local/bin/tfguard", "/usr/bin/tfguard"] });
    const launch = await resolveLaunch({ interpreter: "/ignored", path: "~/.local/bin/tfguard" }, EXT, host);
    assert.equal(launch.command, "/home/u/.local/bin/tfguard");
    assert.deepEqual(launch.args, ["lsp"]);
    assert.equal(launch.env.PYTHONPATH, undefined);
    assert.equal(host.calls.length, 0);
    assert.equal((await resolveLaunch({ interpreter: "", path: "tfguard" }, EXT, host)).command, "/usr/bin/tfguard");
    const err = await launchError(resolveLaunch({ interpreter: "", path: "/nope/tfguard" }, EXT, host));
    assert.match(err.message, /"tfguard\.path" is set to "\/nope\/tfguard", which was not found/);
    assert.equal(err.setting, "tfguard.path");
  });
});

describe("settings sent to the server", () => {
  it("passes every tfguard setting but the client's own, as plain JSON", () => {
    const section = {
      interpreter: "/usr/bin/python3",
      path: "",
      trace: { server: "verbose" },
      rules: { "terraform-aws-iam-access-key-is-exposed": { enabled: false } },
      logLevel: "debug",
      has: () => true,
      get: () => undefined,
    };
    assert.deepEqual(serverSettings(section), {
      rules: { "terraform-aws-iam-access-key-is-exposed": { enabled: false } },
      logLevel: "debug",
    });
    assert.deepEqual(serverSettings(undefined), {});
  });
});
