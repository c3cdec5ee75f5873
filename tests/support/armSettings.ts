/**
 * The app settings that infra/main.bicep gives the Function App, rendered as ARM renders
 * them: a bool becomes 'True'/'False' (also through string()), an int its digits, an unset
 * string ''. It evaluates the few expression forms the settings use (parameters, string
 * interpolation, string(), toLower(), empty(), ?:) over the parsed Bicep, so a change to
 * the Bicep changes what the deployed-package test runs with.
 */
import { join } from 'node:path';
import type { Node } from 'web-tree-sitter';
import { entries, modules, params, parseBicepFile, property, resources } from './bicep';

export type ArmValue = string | number | boolean;

export interface ArmRenderInput {
  /** Values given to main.bicep's parameters; the rest take their defaults. */
  parameters: Record<string, ArmValue>;
  /** What a reference such as keyVault.outputs.slackWebhookUri evaluates to. */
  references: Record<string, string>;
}

/** ARM's string() and its rendering of app setting values. */
export function armString(value: ArmValue): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return String(value);
}

interface Scope {
  values: Record<string, ArmValue>;
  references: Record<string, string>;
}

function evaluate(node: Node, scope: Scope): ArmValue {
  const children = node.namedChildren.filter((c): c is Node => !!c);
  switch (node.type) {
    case 'identifier': {
      if (!(node.text in scope.values)) throw new Error(`no value for ${node.text}`);
      return scope.values[node.text]!;
    }
    case 'boolean':
      return node.text === 'true';
    case 'number':
      return Number(node.text);
    case 'string':
      return children.map((c) => (c.type === 'interpolation' ? armString(evaluate(c.namedChildren[0]!, scope)) : c.text)).join('');
    case 'member_expression': {
      if (!(node.text in scope.references)) throw new Error(`no value for the reference ${node.text}`);
      return scope.references[node.text]!;
    }
    case 'parenthesized_expression':
      return evaluate(children[0]!, scope);
    case 'ternary_expression':
      return evaluate(children[0]!, scope) === true ? evaluate(children[1]!, scope) : evaluate(children[2]!, scope);
    case 'call_expression':
      return call(
        children[0]!.text,
        (children[1]?.namedChildren ?? []).filter((c): c is Node => !!c).map((a) => evaluate(a, scope)),
      );
    default:
      throw new Error(`the settings renderer does not know ${node.type}: ${node.text}`);
  }
}

function call(name: string, args: ArmValue[]): ArmValue {
  const [first] = args;
  if (first === undefined) throw new Error(`${name}() without an argument`);
  if (name === 'string') return armString(first);
  if (name === 'toLower') return String(first).toLowerCase();
  if (name === 'empty') return first === '';
  throw new Error(`the settings renderer does not know ${name}()`);
}

/** main.bicep's parameter values: the given ones, else literal defaults. */
function parameterValues(main: Node, given: Record<string, ArmValue>): Record<string, ArmValue> {
  const values: Record<string, ArmValue> = {};
  for (const p of params(main)) {
    if (p.name in given) values[p.name] = given[p.name]!;
    else if (p.defaultValue && ['string', 'boolean', 'number'].includes(p.defaultValue.type))
      values[p.name] = evaluate(p.defaultValue, { values: {}, references: {} });
  }
  return values;
}

/** Every app setting of the Function App: main's contract settings plus the module's own. */
export async function renderAppSettings(infraDir: string, input: ArmRenderInput): Promise<Record<string, string>> {
  const main = await parseBicepFile(join(infraDir, 'main.bicep'));
  const scope = { values: parameterValues(main, input.parameters), references: input.references };
  const appModule = modules(main).find((m) => m.path === 'modules/functionapp.bicep');
  const contract = appModule && property(appModule.body, 'params.contractSettings');
  if (!contract) throw new Error('main.bicep passes no contractSettings to modules/functionapp.bicep');
  const settings: Record<string, string> = {};
  for (const [name, value] of entries(contract)) settings[name] = armString(evaluate(value, scope));

  const moduleTree = await parseBicepFile(join(infraDir, 'modules/functionapp.bicep'));
  const [appSettings] = resources(moduleTree).filter((r) => r.type === 'Microsoft.Web/sites/config');
  const own = appSettings && property(appSettings.body, 'properties')?.descendantsOfType('object')[0];
  if (!own) throw new Error('modules/functionapp.bicep sets no app settings of its own');
  for (const [name, value] of entries(own))
    settings[name] = armString(evaluate(value, { values: input.references, references: input.references }));
  return settings;
}
