// Tokenizes FireHOL text with the shipped TextMate grammar through the same engine VS Code uses
// (vscode-textmate + the Oniguruma WASM), and checks the scopes of the tokens that matter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vsctm from 'vscode-textmate';
import oniguruma from 'vscode-oniguruma';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const grammarPath = join(here, '..', 'syntaxes', 'firehol.tmLanguage.json');
const repo = join(here, '..', '..', '..');

const wasm = readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm')).buffer;
const onigLib = oniguruma.loadWASM(wasm).then(() => ({
  createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
  createOnigString: (s) => new oniguruma.OnigString(s),
}));

const registry = new vsctm.Registry({
  onigLib,
  loadGrammar: async (scopeName) =>
    scopeName === 'source.firehol'
      ? vsctm.parseRawGrammar(readFileSync(grammarPath, 'utf8'), grammarPath)
      : null,
});

/** Every token of `text` as { line, text, scopes }. */
async function tokenize(text) {
  const grammar = await registry.loadGrammar('source.firehol');
  let state = vsctm.INITIAL;
  const tokens = [];
  text.split('\n').forEach((line, n) => {
    const r = grammar.tokenizeLine(line, state);
    for (const t of r.tokens) {
      tokens.push({ line: n, text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes });
    }
    state = r.ruleStack;
  });
  return tokens;
}

/** The innermost scope of the token `text` on `line`. */
function scopeOf(tokens, line, text) {
  const t = tokens.find((t) => t.line === line && t.text === text);
  assert.ok(t, `no token "${text}" on line ${line}: ${JSON.stringify(tokens.filter((t) => t.line === line))}`);
  return t.scopes[t.scopes.length - 1];
}

const SAMPLE = [
  'version 6 # the API',
  'WAN="eth0"',
  'ipv4 synproxy input inface eth0 dst 1.2.3.4 dport 80 accept',
  'interface "$WAN" wan src not "${LAN}"',
  '    group with proto tcp',
  '        server ssh ACCEPT SRC4 10.0.0.1',
  '    group end',
  'router lan2wan inface eth1 outface eth0',
  '    route all accept',
  'if [ -n "$X" ]; then server6 http reject with tcp-reset; fi',
  'for i in a b; do echo "$i" | logger; done',
  'mark 1 OUTPUT',
  '    server http accept mark 1 log "x"',
].join('\n');

/** [line, token, innermost scope] */
const EXPECTED = [
  [0, 'version', 'support.function.firehol'],
  [0, '6', 'constant.numeric.firehol'],
  [0, ' the API', 'comment.line.number-sign.firehol'],
  [1, 'WAN', 'variable.other.assignment.firehol'],
  [1, 'eth0', 'string.quoted.double.firehol'],
  [2, 'ipv4', 'storage.modifier.family.firehol'],
  [2, 'synproxy', 'support.function.firehol'],
  [2, 'inface', 'variable.parameter.firehol'],
  [2, 'accept', 'constant.language.action.firehol'],
  [3, 'interface', 'keyword.control.section.firehol'],
  [3, 'WAN', 'variable.other.normal.firehol'],
  [3, 'wan', 'entity.name.section.firehol'],
  [3, 'src', 'variable.parameter.firehol'],
  [3, 'not', 'keyword.operator.negation.firehol'],
  [4, 'group', 'keyword.control.group.firehol'],
  [4, 'with', 'keyword.control.group.firehol'],
  [5, 'server', 'support.function.firehol'],
  [5, 'ACCEPT', 'constant.language.action.firehol'],
  [5, 'SRC4', 'variable.parameter.firehol'],
  [7, 'router', 'keyword.control.section.firehol'],
  [7, 'lan2wan', 'entity.name.section.firehol'],
  // A command after `then`; parameters that are also command names.
  [9, 'if', 'keyword.control.shell.firehol'],
  [9, 'server6', 'support.function.firehol'],
  [9, 'fi', 'keyword.control.shell.firehol'],
  [10, 'in', 'keyword.control.shell.firehol'],
  [10, '|', 'keyword.operator.firehol'],
  [11, 'mark', 'support.function.firehol'],
  [12, 'mark', 'variable.parameter.firehol'],
  [12, 'log', 'variable.parameter.firehol'],
];

test('FireHOL structure and the shell around it', async () => {
  const t = await tokenize(SAMPLE);
  for (const [line, text, scope] of EXPECTED) {
    assert.equal(scopeOf(t, line, text), scope, `line ${line}: ${text}`);
  }
});

test('every keyword of the grammar is scoped', async () => {
  const tm = JSON.parse(readFileSync(grammarPath, 'utf8'));
  const js = readFileSync(join(repo, 'grammar', 'vocabulary.js'), 'utf8');
  const list = (name) =>
    [...js.match(new RegExp(`const ${name} = \\[([^\\]]*)\\]`))[1].matchAll(/'([^']+)'/g)].map((m) => m[1]);
  // [line, word, expected scope]
  const cases = [];
  const cmd = 'support.function.firehol';
  for (const c of list('COMMANDS')) {
    if (c === 'interface' || c === 'router' || c === 'group') continue;
    const spellings = list('SUFFIXED').includes(c) ? [c, `${c}4`, `${c}6`, `${c}46`] : [c];
    for (const s of spellings) cases.push([`${s} x`, s, cmd]);
  }
  for (const p of list('PARAMS')) {
    for (const s of [p, p.toUpperCase()]) cases.push([`server x accept ${s} y`, s, 'variable.parameter.firehol']);
  }
  for (const a of list('ACTIONS')) {
    for (const s of [a, a.toUpperCase()]) cases.push([`server x ${s}`, s, 'constant.language.action.firehol']);
  }
  const t = await tokenize(cases.map((c) => c[0]).join('\n'));
  cases.forEach(([line, word, scope], n) => assert.equal(scopeOf(t, n, word), scope, line));
  assert.equal(tm.scopeName, 'source.firehol');
});
