// Bundles the client and vscode-languageclient into one file, so the .vsix carries no
// node_modules (`vscode` itself is provided by the editor).
import { build } from 'esbuild';

await build({
  entryPoints: ['src/extension.ts'],
  bundle: true,
  outfile: 'out/extension.js',
  external: ['vscode'],
  format: 'cjs',
  platform: 'node',
  target: 'node18',
  sourcemap: true,
  minify: true,
  logLevel: 'warning',
});
