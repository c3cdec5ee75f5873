/**
 * One list of error codes: the ErrorCode type in shared/errors.ts (read with the TypeScript
 * compiler, as the build reads it). The README's troubleshooting table has a row for each
 * code, and names no code the product does not have; --json errors carry these codes only.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';

const root = join(__dirname, '..');

/** The string literals (and `ZOHO_HTTP_${number}`, written ZOHO_HTTP_<status>) of the unions ErrorCode is made of. */
function errorCodes(): string[] {
  const file = ts.createSourceFile('errors.ts', readFileSync(join(root, 'shared/errors.ts'), 'utf8'), ts.ScriptTarget.ES2022, true);
  const aliases = new Map<string, ts.TypeNode>();
  file.forEachChild((node) => {
    if (ts.isTypeAliasDeclaration(node)) aliases.set(node.name.text, node.type);
  });
  const codesOf = (type: ts.TypeNode): string[] => {
    if (ts.isUnionTypeNode(type)) return type.types.flatMap(codesOf);
    if (ts.isLiteralTypeNode(type) && ts.isStringLiteral(type.literal)) return [type.literal.text];
    if (ts.isTemplateLiteralTypeNode(type)) return [`${type.head.text}<status>`];
    if (ts.isTypeReferenceNode(type) && ts.isIdentifier(type.typeName)) return codesOf(aliases.get(type.typeName.text) as ts.TypeNode);
    throw new Error(`ErrorCode holds a type this test does not read: ${type.getText()}`);
  };
  return codesOf(aliases.get('ErrorCode') as ts.TypeNode);
}

/** The codes in the first column of the README's troubleshooting table. */
function readmeCodes(): string[] {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const table = readme.slice(readme.indexOf('## Troubleshooting'), readme.indexOf('\n## ', readme.indexOf('## Troubleshooting') + 1));
  return table
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .flatMap((line) => [...(line.split('|')[1] ?? '').matchAll(/`([A-Z_<>a-z]+)`/g)].map((m) => m[1] ?? ''));
}

describe('the error codes', () => {
  it("each has a row in the README's troubleshooting table, and the table names no other", () => {
    const codes = errorCodes();
    expect(codes.length).toBeGreaterThan(30);
    // USAGE: a command line that does not parse (cli/main.ts), which is no ErrorCode of the core.
    const documented = readmeCodes();
    expect(codes.filter((code) => !documented.includes(code))).toEqual([]);
    expect(documented.filter((code) => !codes.includes(code) && code !== 'USAGE')).toEqual([]);
    expect(new Set(documented).size).toBe(documented.length);
  });
});
