// Generates docs/conformance.md, the clause-by-clause conformance matrix for DB33 未来社区数字化建设总体规范,
// from the standard's clause list and docs/conformance-map.json (the one place rows are edited).
// Usage: node tools/conformance.ts [--check] [--clauses <clauses.json>]
//   --check  write nothing; exit 1 if docs/conformance.md is stale or a verified row names a missing test file.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';

type Kind = 'shall' | 'should' | 'may' | 'info';
type Status = 'planned' | 'partial' | 'verified';
type Clause = { clause: string; kind: Kind; text: string };
type Row = { implements: string; test: string; status: Status };

const STATUSES: Status[] = ['planned', 'partial', 'verified'];
const KINDS: Kind[] = ['shall', 'should', 'may', 'info'];
const NO_TEST = '—';
const INFORMATIVE = 'informative — no requirement';
const SUMMARY_CHARS = 30;

const root = join(import.meta.dirname, '..');
const docPath = join(root, 'docs', 'conformance.md');
const mapPath = join(root, 'docs', 'conformance-map.json');

function parseArgs(argv: string[]): { check: boolean; clausesPath: string } {
  let check = false;
  let clausesPath: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--check') check = true;
    else if (argv[i] === '--clauses' && argv[i + 1]) clausesPath = argv[++i];
    else fail([`unknown argument "${argv[i]}"; usage: node tools/conformance.ts [--check] [--clauses <file>]`]);
  }
  return { check, clausesPath: clausesPath ?? findClauses() };
}

// The clause list is not vendored yet; look in the repository first, then beside it in the shared folder.
function findClauses(): string {
  const candidates = [join(root, 'standard', 'clauses.json'), join(root, '..', 'shared', 'standard', 'clauses.json')];
  const found = candidates.find((p) => existsSync(p));
  if (!found) fail([`clauses.json not found; looked in ${candidates.join(', ')} (pass --clauses <file>)`]);
  return found as string;
}

function fail(problems: string[]): never {
  for (const p of problems) console.error(`conformance: ${p}`);
  process.exit(1);
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    return fail([`cannot read ${path}: ${(err as Error).message}`]);
  }
}

function loadClauses(path: string): Clause[] {
  const data = readJson(path);
  if (!Array.isArray(data)) fail([`${path}: expected an array of clauses`]);
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const [i, c] of (data as Clause[]).entries()) {
    if (typeof c?.clause !== 'string' || typeof c.text !== 'string' || !KINDS.includes(c.kind)) {
      problems.push(`${path}[${i}]: expected { clause, kind: ${KINDS.join('|')}, text }`);
    } else if (seen.has(c.clause)) problems.push(`${path}: clause ${c.clause} appears twice`);
    else seen.add(c.clause);
  }
  if (problems.length) fail(problems);
  return data as Clause[];
}

// Every requirement clause needs a row in the map; informative clauses default to "no requirement".
function loadMap(clauses: Clause[]): Map<string, Row> {
  const data = readJson(mapPath) as Record<string, Partial<Row>>;
  const rel = relative(root, mapPath);
  const known = new Set(clauses.map((c) => c.clause));
  const rows = new Map<string, Row>();
  const problems: string[] = [];
  for (const [clause, row] of Object.entries(data ?? {})) {
    const problem = rowProblem(clause, row, known);
    if (problem) {
      problems.push(`${rel}: ${problem}`);
      continue;
    }
    const test = row.test?.trim() || NO_TEST;
    rows.set(clause, { implements: (row.implements as string).trim(), test, status: row.status ?? 'planned' });
  }
  for (const c of clauses) {
    if (c.kind !== 'info' && !(c.clause in (data ?? {}))) {
      problems.push(`${rel}: ${c.kind} clause ${c.clause} has no row`);
    }
  }
  if (problems.length) fail(problems);
  return rows;
}

function rowProblem(clause: string, row: Partial<Row>, known: Set<string>): string | undefined {
  if (!known.has(clause)) return `clause ${clause} is not in the standard's clause list`;
  if (typeof row?.implements !== 'string' || !row.implements.trim()) return `${clause}.implements must be non-empty`;
  if (row.test !== undefined && typeof row.test !== 'string') return `${clause}.test must be a string`;
  if (row.status !== undefined && !STATUSES.includes(row.status)) {
    return `${clause}.status must be one of ${STATUSES.join(', ')}`;
  }
  if (row.status === 'verified' && (row.test?.trim() || NO_TEST) === NO_TEST) {
    return `${clause} is verified but names no test`;
  }
  return undefined;
}

function rowFor(c: Clause, rows: Map<string, Row>): Row {
  return rows.get(c.clause) ?? { implements: INFORMATIVE, test: NO_TEST, status: 'planned' };
}

const escapeCell = (s: string): string => s.replace(/\s+/g, ' ').replace(/\|/g, '\\|');

// The clause's heading if it has one ("概述 — ..."), otherwise its first words, shortened with an ellipsis.
function summary(text: string): string {
  const head = text.split(' — ')[0].trim();
  const chars = Array.from(head);
  if (chars.length <= SUMMARY_CHARS) return head.replace(/[。.]$/, '');
  const start = chars.slice(0, SUMMARY_CHARS).join('');
  return `${start.replace(/[、，,；;：:（(\s]+$/, '')}…`;
}

function testFiles(test: string): string[] {
  return test === NO_TEST ? [] : test.split(/\s*,\s*/).filter(Boolean);
}

// A test entry is a path from the repository root; its file name may hold `*` wildcards (one folder only).
function testExists(pattern: string): boolean {
  const name = basename(pattern);
  if (!name.includes('*')) return existsSync(join(root, pattern));
  const dir = join(root, dirname(pattern));
  const source = name
    .split('*')
    .map((part) => part.replace(/[.+?^$()[\]{}\\]/g, '\\$&'))
    .join('.*');
  const re = new RegExp(`^${source}$`);
  return existsSync(dir) && readdirSync(dir).some((f) => re.test(f));
}

function countByStatus(clauses: Clause[], rows: Map<string, Row>): Record<Status, number> {
  const counts: Record<Status, number> = { planned: 0, partial: 0, verified: 0 };
  for (const c of clauses) counts[rowFor(c, rows).status]++;
  return counts;
}

// Padded the way `biome format` pads markdown tables, so the generated file is already formatted.
function table(header: string[], body: string[][]): string[] {
  const rows = [header, ...body].map((cells) => cells.map(escapeCell));
  const widths = header.map((_, i) => Math.max(3, ...rows.map((cells) => displayWidth(cells[i]))));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => c + ' '.repeat(widths[i] - displayWidth(c))).join(' | ')} |`;
  return [line(rows[0]), line(widths.map((w) => '-'.repeat(w))), ...rows.slice(1).map(line)];
}

// East Asian wide and fullwidth characters take two columns (Unicode UAX #11); every other character here takes one.
const WIDE =
  /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{20000}-\u{3fffd}]/u;

function displayWidth(s: string): number {
  let width = 0;
  for (const ch of s) width += WIDE.test(ch) ? 2 : 1;
  return width;
}

function render(clauses: Clause[], rows: Map<string, Row>): string {
  const counts = countByStatus(clauses, rows);
  const kinds = KINDS.map((k) => `${clauses.filter((c) => c.kind === k).length} ${k}`).join(', ');
  const lines = [
    '# Conformance matrix: DB33 未来社区数字化建设总体规范',
    '',
    '<!-- Generated by tools/conformance.ts from the clause list and docs/conformance-map.json. Do not edit by hand: -->',
    '<!-- change the map, then run `npm exec -- node tools/conformance.ts`. -->',
    '',
    'This matrix lists every clause of the Zhejiang standard "未来社区数字化建设总体规范", in the order of the',
    'standard, and says which part of Shequ implements it, which test shows it, and how far it has got. Module paths',
    'follow ARCHITECTURE.md; plugin folder names (`plugins/<scenario>`) follow the scenarios of clause 7.4.',
    '',
    'Columns:',
    '',
    '- **clause**: the clause number and the start of its text.',
    '- **kind**: `shall` (应, a requirement), `should` (宜, a recommendation), `may` (可, a permission) or `info`',
    '  (informative text that asks for nothing).',
    '- **what implements it**: the module that implements the clause or will. Rows marked "organisational" are duties',
    '  of whoever builds and operates a community platform; software can support them but not discharge them.',
    '- **test**: the test file(s) that exercise the behaviour, as paths from the repository root.',
    '- **status**:',
    '  - `planned`: not built yet; the module named is where it will be built.',
    '  - `partial`: part of the behaviour is built and the named test covers that part; the rest of the clause is',
    '    still open.',
    '  - `verified`: the behaviour the clause asks for is built and a named test exercises it. A row is never',
    '    verified without a test file that exists: `npm exec -- node tools/conformance.ts --check` enforces this',
    '    and fails when this file is out of date with the map.',
    '',
    `${clauses.length} clauses (${kinds}): ${STATUSES.map((s) => `${counts[s]} ${s}`).join(', ')}.`,
    '',
  ];
  const body = clauses.map((c) => {
    const row = rowFor(c, rows);
    const test = testFiles(row.test).map((t) => `\`${t}\``);
    return [`${c.clause} ${summary(c.text)}`, c.kind, row.implements, test.join(', ') || NO_TEST, row.status];
  });
  lines.push(...table(['clause', 'kind', 'what implements it', 'test', 'status'], body));
  return `${lines.join('\n')}\n`;
}

function main(): void {
  const { check, clausesPath } = parseArgs(process.argv.slice(2));
  const clauses = loadClauses(clausesPath);
  const rows = loadMap(clauses);
  const doc = render(clauses, rows);
  const missingProblems: string[] = [];
  for (const c of clauses) {
    const row = rowFor(c, rows);
    if (row.status !== 'verified') continue;
    for (const t of testFiles(row.test).filter((f) => !testExists(f))) {
      missingProblems.push(`verified row ${c.clause} names a test file that does not exist: ${t}`);
    }
  }
  const counts = countByStatus(clauses, rows);
  const tally = STATUSES.map((s) => `${s} ${counts[s]}`).join(', ');
  const docRel = relative(root, docPath);

  if (check) {
    const current = existsSync(docPath) ? readFileSync(docPath, 'utf8') : '';
    const problems = [...missingProblems];
    if (current !== doc) problems.push(`${docRel} is out of date; run \`npm exec -- node tools/conformance.ts\``);
    if (problems.length) fail(problems);
    console.log(`conformance: ${docRel} is up to date (${clauses.length} rows: ${tally})`);
    return;
  }
  writeFileSync(docPath, doc);
  console.log(`conformance: wrote ${docRel} (${clauses.length} rows: ${tally})`);
  for (const p of missingProblems) console.warn(`conformance: warning: ${p}`);
}

main();
