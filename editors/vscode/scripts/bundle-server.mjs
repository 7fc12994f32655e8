// Copies the tfguard server and its Python dependencies into bundled/, so the .vsix runs with a bare Python:
//   bundled/libs/                       tfguard (from ../../server) + bundled-requirements.txt (pure Python)
//   bundled/native/cp3XY-<plat>-<arch>/ native-requirements.txt, one wheel per CPython 3.10-3.14
// pip runs with the Python in $TFGUARD_PYTHON, else the repository's .venv, else python3; wheels come from
// pip's cache or the package index. TFGUARD_NATIVE_TARGETS="linux-x86_64 linux-aarch64 darwin-arm64 ..."
// adds platforms beyond the one building.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const repo = resolve(root, "..", "..");
const server = join(repo, "server", "tfguard");
const bundled = join(root, "bundled");
const libs = join(bundled, "libs");
const MINORS = [10, 11, 12, 13, 14];

const venvPython = join(repo, ".venv", process.platform === "win32" ? "Scripts/python.exe" : "bin/python");
const python = process.env.TFGUARD_PYTHON || (existsSync(venvPython) ? venvPython : "python3");

function run(cmd, args, opts = {}) {
  return execFileSync(cmd, args, { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8", ...opts });
}
function pip(args) {
  run(python, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps", "--only-binary=:all:", ...args], {
    stdio: ["ignore", "inherit", "inherit"],
  });
}

// Wheel platform tags for "<sys.platform>-<machine>" as the probe in src/launch.ts names them.
const PLATFORM_TAGS = {
  "linux-x86_64": ["manylinux_2_17_x86_64", "manylinux2014_x86_64"],
  "linux-aarch64": ["manylinux_2_17_aarch64", "manylinux2014_aarch64"],
  "darwin-arm64": ["macosx_11_0_arm64"],
  "darwin-x86_64": ["macosx_10_9_x86_64", "macosx_10_13_x86_64"],
  "win32-amd64": ["win_amd64"],
};

if (!existsSync(join(server, "__init__.py"))) {
  console.error(`bundle-server: ${server} is missing; run this from a tfguard checkout`);
  process.exit(1);
}
const here = run(python, ["-c", "import sys, platform; print('%s-%s' % (sys.platform, platform.machine().lower()))"]).trim();
const targets = [...new Set([here, ...(process.env.TFGUARD_NATIVE_TARGETS || "").split(/\s+/).filter(Boolean)])];
for (const t of targets) {
  if (!PLATFORM_TAGS[t]) {
    console.error(`bundle-server: no wheel tags known for ${t}; known: ${Object.keys(PLATFORM_TAGS).join(", ")}`);
    process.exit(1);
  }
}

rmSync(bundled, { recursive: true, force: true });
mkdirSync(libs, { recursive: true });
console.error(`bundle-server: pure-Python dependencies with ${python}`);
pip(["--target", libs, "-r", join(root, "bundled-requirements.txt")]);
cpSync(server, join(libs, "tfguard"), {
  recursive: true,
  filter: (src) => !/(__pycache__|\.pyc$|\.egg-info)/.test(src),
});
for (const t of targets) {
  for (const minor of MINORS) {
    const dest = join(bundled, "native", `cp3${minor}-${t}`);
    console.error(`bundle-server: native modules for ${dest}`);
    const platformArgs = PLATFORM_TAGS[t].flatMap((p) => ["--platform", p]);
    pip(["--target", dest, "--implementation", "cp", "--python-version", `3.${minor}`, ...platformArgs, "-r", join(root, "native-requirements.txt")]);
  }
}
// pip --target leaves console scripts and metadata the server never uses.
rmSync(join(libs, "bin"), { recursive: true, force: true });

// The bundle must work on its own: import everything with site-packages off (-S), as a user's bare Python would.
const probeTag = run(python, ["-c", "import sys, platform; print('cp%d%d-%s-%s' % (sys.version_info[0], sys.version_info[1], sys.platform, platform.machine().lower()))"]).trim();
const sep = process.platform === "win32" ? ";" : ":";
const env = { ...process.env, PYTHONPATH: [libs, join(bundled, "native", probeTag)].join(sep) };
const check = "import tfguard, pygls.lsp.server, lsprotocol.types, hcl2, lark, regex; print(tfguard.__file__)";
const where = run(python, ["-S", "-c", check], { env }).trim();
if (!where.startsWith(libs)) {
  console.error(`bundle-server: tfguard was imported from ${where}, not from the bundle`);
  process.exit(1);
}
if (existsSync(join(server, "cli.py"))) run(python, ["-S", "-m", "tfguard", "--version"], { env, stdio: ["ignore", "inherit", "inherit"] });
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
writeFileSync(join(bundled, "README.txt"), `tfguard ${pkg.version} server and dependencies, bundled by scripts/bundle-server.mjs\n`);
console.error(`bundle-server: ok (${targets.join(", ")})`);
