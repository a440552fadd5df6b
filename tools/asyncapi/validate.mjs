#!/usr/bin/env node
// Parses an AsyncAPI document with the official parser (@asyncapi/parser) and prints every
// diagnostic. Exit status: 0 when there is no error-severity diagnostic, 1 when there is one,
// 2 on bad usage or when the file cannot be read.
//
//   node tools/asyncapi/validate.mjs [docs/asyncapi.yaml] [--strict]
//
// --strict also fails on warnings. Relative $refs (./events/*.json) resolve against the file.
import { access } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Parser, fromFile } from '@asyncapi/parser';

const SEVERITY = ['error', 'warning', 'info', 'hint'];
const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const strict = args.includes('--strict');
const files = args.filter((a) => !a.startsWith('--'));
if (files.length > 1 || args.some((a) => a.startsWith('--') && a !== '--strict')) {
  console.error('usage: validate.mjs [path/to/asyncapi.yaml] [--strict]');
  process.exit(2);
}
const file = path.resolve(files[0] ?? path.join(here, '..', '..', 'docs', 'asyncapi.yaml'));
const shown = path.relative(process.cwd(), file) || file;

try {
  await access(file);
} catch {
  console.error(`${shown}: cannot read the file`);
  process.exit(2);
}

const { document, diagnostics } = await fromFile(new Parser(), file).parse();

const counts = { error: 0, warning: 0, info: 0, hint: 0 };
for (const d of diagnostics) {
  const severity = SEVERITY[d.severity] ?? `severity ${d.severity}`;
  counts[severity] = (counts[severity] ?? 0) + 1;
  const where = d.source ? path.relative(process.cwd(), d.source) || d.source : shown;
  const line = d.range ? `:${d.range.start.line + 1}:${d.range.start.character + 1}` : '';
  const jsonPath = d.path && d.path.length ? ` at ${d.path.join('.')}` : '';
  console.log(`${where}${line}: ${severity} [${d.code}] ${d.message}${jsonPath}`);
}

const failed = counts.error > 0 || document === undefined || (strict && counts.warning > 0);
const summary = `${shown}: ${counts.error} error(s), ${counts.warning} warning(s), ` +
  `${counts.info} info, ${counts.hint} hint(s)` +
  (document ? `; AsyncAPI ${document.version()}` : '; the parser produced no document');
console.log(failed ? `FAIL ${summary}` : `OK ${summary}`);
process.exit(failed ? 1 : 0);
