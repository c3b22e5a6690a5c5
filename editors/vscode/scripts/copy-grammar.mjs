// The TextMate grammar lives with the tree-sitter grammar (grammar/textmate/); the extension
// ships a copy, made before type checking, bundling, testing and packaging.
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const from = join(here, '..', '..', '..', 'grammar', 'textmate', 'firehol.tmLanguage.json');
const to = join(here, '..', 'syntaxes', 'firehol.tmLanguage.json');
mkdirSync(dirname(to), { recursive: true });
copyFileSync(from, to);
