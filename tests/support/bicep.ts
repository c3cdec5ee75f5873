/**
 * Reads Bicep offline: web-tree-sitter with the wasm grammar that tree-sitter-bicep ships.
 * Helpers walk the syntax tree (never the text), so comments cannot fool the checks.
 */
import { readFileSync } from 'node:fs';
import { Language, type Node, Parser } from 'web-tree-sitter';

let parser: Promise<Parser> | undefined;

function bicepParser(): Promise<Parser> {
  parser ??= (async () => {
    // Bytes, not paths: loading by path makes web-tree-sitter import() node:fs, which jest's VM refuses.
    await Parser.init({ wasmBinary: readFileSync(require.resolve('web-tree-sitter/web-tree-sitter.wasm')) });
    const language = await Language.load(readFileSync(require.resolve('tree-sitter-bicep/tree-sitter-bicep.wasm')));
    const p = new Parser();
    p.setLanguage(language);
    return p;
  })();
  return parser;
}

export async function parseBicep(source: string): Promise<Node> {
  const tree = (await bicepParser()).parse(source);
  if (!tree) throw new Error('tree-sitter returned no tree');
  return tree.rootNode;
}

export async function parseBicepFile(path: string): Promise<Node> {
  return parseBicep(readFileSync(path, 'utf8'));
}

/** Every ERROR or MISSING node, as "line:column what". */
export function syntaxProblems(root: Node): string[] {
  const problems: string[] = [];
  const visit = (node: Node) => {
    if (node.type === 'ERROR' || node.isMissing) {
      problems.push(
        `${node.startPosition.row + 1}:${node.startPosition.column + 1} ${node.isMissing ? `missing ${node.type}` : `unexpected ${JSON.stringify(node.text.slice(0, 40))}`}`,
      );
    }
    for (const child of node.children) if (child) visit(child);
  };
  visit(root);
  return problems;
}

export function descendants(node: Node, type: string): Node[] {
  return node.descendantsOfType(type).filter((n): n is Node => !!n);
}

function namedChildren(node: Node): Node[] {
  return node.namedChildren.filter((n): n is Node => !!n);
}

/** The value of a string without interpolation, a boolean or a number; otherwise undefined. */
export function literal(node: Node | undefined): string | boolean | number | undefined {
  if (!node) return undefined;
  if (node.type === 'boolean') return node.text === 'true';
  if (node.type === 'number') return Number(node.text);
  if (node.type === 'string' && namedChildren(node).every((c) => c.type === 'string_content' || c.type === 'escape_sequence')) {
    return namedChildren(node)
      .map((c) => c.text)
      .join('');
  }
  return undefined;
}

/** Keys and values of an object node. */
export function entries(object: Node): Array<[string, Node]> {
  return namedChildren(object)
    .filter((c) => c.type === 'object_property')
    .flatMap((p) => {
      const [key, value] = namedChildren(p);
      if (!key || !value || key.type === 'resource_declaration') return [];
      const name = key.type === 'string' ? String(literal(key)) : key.text;
      return [[name, value] as [string, Node]];
    });
}

/** Follows a dotted path of object keys, e.g. 'properties.siteConfig.minTlsVersion'. */
export function property(object: Node | undefined, path: string): Node | undefined {
  let current = object;
  for (const key of path.split('.')) {
    if (current?.type !== 'object') return undefined;
    current = entries(current).find(([k]) => k === key)?.[1];
  }
  return current;
}

export interface BicepResource {
  symbol: string;
  /** The full type without API version; nested resources get their parent's prefix. */
  type: string;
  body: Node;
  conditional: boolean;
}

export function resources(root: Node): BicepResource[] {
  const found: BicepResource[] = [];
  const visit = (node: Node, parentType?: string) => {
    for (const child of namedChildren(node)) {
      if (child.type === 'resource_declaration') {
        const [symbol, typeNode] = namedChildren(child);
        const raw = String(literal(typeNode)).split('@')[0]!;
        const type = parentType && !raw.includes('/') ? `${parentType}/${raw}` : raw;
        const body = findBody(child);
        found.push({ symbol: symbol!.text, type, body, conditional: namedChildren(child).some((c) => c.type === 'if_statement') });
        visit(body, type);
      } else if (child.type === 'object_property' || child.type === 'object' || child.type === 'if_statement') {
        visit(child, parentType);
      }
    }
  };
  visit(root);
  return found;
}

function findBody(declaration: Node): Node {
  const direct = namedChildren(declaration).find((c) => c.type === 'object');
  if (direct) return direct;
  const conditional = namedChildren(declaration).find((c) => c.type === 'if_statement');
  const body = conditional && namedChildren(conditional).find((c) => c.type === 'object');
  if (!body) throw new Error(`no body for ${declaration.text.slice(0, 60)}`);
  return body;
}

export interface BicepParam {
  name: string;
  type: string;
  /** Decorator names (secure, description, allowed, ...). */
  decorators: string[];
  /** Each decorator's call, for its arguments. */
  decoratorCalls: Node[];
  defaultValue?: Node;
  node: Node;
}

/** Parameters with the decorators written above them (a `decorators` node precedes its declaration). */
export function params(root: Node): BicepParam[] {
  const result: BicepParam[] = [];
  let pending: Node[] = [];
  for (const child of namedChildren(root)) {
    if (child.type === 'decorators') {
      pending = descendants(child, 'decorator').map((d) => namedChildren(d)[0]!);
      continue;
    }
    if (child.type === 'parameter_declaration') {
      const [name, type, value] = namedChildren(child);
      const decorators = pending.map((call) => namedChildren(call)[0]?.text ?? call.text);
      result.push({ name: name!.text, type: type!.text, decorators, decoratorCalls: pending, defaultValue: value, node: child });
    }
    if (child.type !== 'comment') pending = [];
  }
  return result;
}

export function outputs(root: Node): Array<{ name: string; value: Node }> {
  return namedChildren(root)
    .filter((c) => c.type === 'output_declaration')
    .map((o) => {
      const children = namedChildren(o);
      return { name: children[0]!.text, value: children[children.length - 1]! };
    });
}

export function modules(root: Node): Array<{ symbol: string; path: string; body: Node }> {
  return namedChildren(root)
    .filter((c) => c.type === 'module_declaration')
    .map((m) => {
      const [symbol, path] = namedChildren(m);
      return { symbol: symbol!.text, path: String(literal(path)), body: findBody(m) };
    });
}

/** Identifiers used anywhere inside a node (references to parameters, variables, resources). */
export function identifiersIn(node: Node): string[] {
  return [...(node.type === 'identifier' ? [node.text] : []), ...descendants(node, 'identifier').map((n) => n.text)];
}
