import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// The hard caps of STYLE.md "Functions": 40 lines, 100 columns, four parameters.
const FUNCTION_LINES_MAX = 40;
const LINE_COLUMNS_MAX = 100;
const PARAMETERS_MAX = 4;

const root = fileURLToPath(new URL('..', import.meta.url));
const srcDir = join(root, 'src');

/** Every .ts file under dir, recursively, in a stable order. */
function listSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return listSources(path);
      return entry.name.endsWith('.ts') ? [path] : [];
    })
    .sort();
}

interface FunctionInfo {
  where: string;
  name: string;
  lines: number;
  parameters: number;
}

/** A readable name for a function-like node: its own, or the variable/property it is bound to. */
function nameOf(node: ts.SignatureDeclaration, file: ts.SourceFile): string {
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  if (node.name !== undefined) return node.name.getText(file);
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent)) {
    return parent.name.getText(file);
  }
  return '(anonymous)';
}

/** Every function, method, accessor, constructor and arrow function in one source file. */
function listFunctions(path: string): FunctionInfo[] {
  const text = readFileSync(path, 'utf8');
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.ES2022, true);
  const found: FunctionInfo[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body !== undefined) {
      const start = file.getLineAndCharacterOfPosition(node.getStart(file)).line;
      const end = file.getLineAndCharacterOfPosition(node.getEnd()).line;
      found.push({
        where: `${relative(root, path)}:${start + 1}`,
        name: nameOf(node, file),
        lines: end - start + 1,
        parameters: node.parameters.length,
      });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

const sources = listSources(srcDir);
const functions = sources.flatMap(listFunctions);

describe('tidy: the hard caps of STYLE.md hold in src/', () => {
  it('finds the sources and their functions (the scan itself works)', () => {
    expect(sources.length).toBeGreaterThan(20);
    expect(functions.map((f) => f.name)).toContain('decodeRequest');
    expect(functions.map((f) => f.name)).toContain('push');
  });

  it(`has no function longer than ${FUNCTION_LINES_MAX} lines`, () => {
    const offenders = functions
      .filter((f) => f.lines > FUNCTION_LINES_MAX)
      .map((f) => `${f.where} ${f.name}: ${f.lines} lines`);
    expect(offenders, offenders.join('\n')).toEqual([]);
  });

  it(`has no function with more than ${PARAMETERS_MAX} parameters`, () => {
    const offenders = functions
      .filter((f) => f.parameters > PARAMETERS_MAX)
      .map((f) => `${f.where} ${f.name}: ${f.parameters} parameters`);
    expect(offenders, offenders.join('\n')).toEqual([]);
  });

  it(`has no line longer than ${LINE_COLUMNS_MAX} columns`, () => {
    const offenders = sources.flatMap((path) =>
      readFileSync(path, 'utf8')
        .split('\n')
        .map((line, index) => ({ line, index }))
        .filter(({ line }) => line.length > LINE_COLUMNS_MAX)
        .map(({ line, index }) => `${relative(root, path)}:${index + 1}: ${line.length} columns`),
    );
    expect(offenders, offenders.join('\n')).toEqual([]);
  });
});
