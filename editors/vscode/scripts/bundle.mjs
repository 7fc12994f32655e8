// Bundles the extension and vscode-languageclient into one file (dist/extension.js); `vscode` is provided at run time.
import { build } from "esbuild";

await build({
  entryPoints: ["src/extension.ts"],
  outfile: "dist/extension.js",
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  external: ["vscode"],
  sourcemap: false,
  minify: process.argv.includes("--minify"),
  logLevel: "info",
});
