/**
 * The app settings that infra/main.bicep gives the Function App, rendered as ARM renders
 * them: a bool becomes 'True'/'False' (also through string()), an int its digits, an unset
 * string ''. It evaluates the few expression forms the settings use (parameters, string
 * interpolation, string(), toLower(), empty(), ?:) over the parsed Bicep, so a change to
 * the Bicep changes what the deployed-package test runs with.
 */
import { join } from 'node:path';
import type { Node } from 'web-tree-sitter';
import { entries, identifiersIn, modules, params, parseBicepFile, property, resources } from './bicep';

export type ArmValue = string | number | boolean;

/** Stand-ins for what main.bicep's modules output, as ARM would resolve them. */
export const STAND_IN_REFERENCES: Record<string, string> = {
  'keyVault.outputs.zohoClientSecretUri': 'https://kv.vault.azure.net/secrets/zoho-client-secret',
  'keyVault.outputs.zohoRefreshTokenUri': 'https://kv.vault.azure.net/secrets/zoho-refresh-token',
  'keyVault.outputs.slackWebhookUri': 'https://kv.vault.azure.net/secrets/slack-webhook-url',
  'keyVault.outputs.teamsWebhookUri': 'https://kv.vault.azure.net/secrets/teams-webhook-url',
  'keyVault.outputs.uri': 'https://kv.vault.azure.net/',
  storageAccountName: 'stzbntest',
  identityClientId: '00000000-0000-4000-8000-000000000001',
  appInsightsConnectionString: 'InstrumentationKey=00000000-0000-4000-8000-000000000002',
};

/** What the Functions host puts on the worker's command line before its script: languageWorkers__node__arguments, split on whitespace as the host splits it. */
export function nodeWorkerArguments(settings: Record<string, string>): string[] {
  const value = settings.languageWorkers__node__arguments;
  return value === undefined ? [] : value.split(/\s+/);
}

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

/** An object literal, or the branch of `cond ? { ... } : { ... }` that the condition picks. */
function chosenObject(node: Node, scope: Scope): Node {
  if (node.type === 'object') return node;
  const children = node.namedChildren.filter((c): c is Node => !!c);
  if (node.type === 'ternary_expression') return chosenObject(evaluate(children[0]!, scope) === true ? children[1]! : children[2]!, scope);
  throw new Error(`the settings renderer does not know ${node.type} in a union: ${node.text}`);
}

/** The values of the module's parameters named in `used` that main.bicep passes as scalars (nodeWorkerArguments), evaluated there. */
function moduleParams(appModule: { body: Node }, used: string[], scope: Scope): Record<string, ArmValue> {
  const given = new Map(entries(property(appModule.body, 'params')!));
  return Object.fromEntries(used.filter((name) => given.has(name)).map((name) => [name, evaluate(given.get(name)!, scope)]));
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
  // properties: union(contractSettings, { the module's own }, <condition> ? { ... } : {})
  const union = appSettings && property(appSettings.body, 'properties');
  const args = union?.type === 'call_expression' ? (union.namedChildren[1]?.namedChildren ?? []).filter((c): c is Node => !!c) : [];
  if (args[0]?.text !== 'contractSettings' || args[1]?.type !== 'object')
    throw new Error('modules/functionapp.bicep: properties is not union(contractSettings, {...}, ...)');
  // The module's own values: outputs stand in by references; parameters main passes as scalars are evaluated in main.
  const passed = moduleParams(appModule, args.slice(2).flatMap(identifiersIn), scope);
  const moduleScope = { values: { ...input.references, ...passed }, references: input.references };
  for (const object of args.slice(1)) {
    for (const [name, value] of entries(chosenObject(object, moduleScope))) settings[name] = armString(evaluate(value, moduleScope));
  }
  return settings;
}
