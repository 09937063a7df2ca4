/**
 * The deployed configuration as XML: the whole entity store (policy library and web-service
 * repository, WSDL texts included) serialised by string building, and parsed back and checked
 * before it may become the active configuration. The same text is what the data dir keeps.
 */
import { XMLParser } from 'fast-xml-parser';
import type { BindingProtocol, MessagePattern } from '../wsdl/model.js';
import { escapeXml } from '../soap/message.js';
import type { PolicyAction, PolicyDefinition, PolicyDirection } from './policies.js';
import { circuitNames, type CircuitName } from './protocol.js';
import type { EntityStore } from './store.js';

export interface ConfigMeta {
  readonly deployVersion: number;
  readonly deployedAt: string;
  readonly profile: string;
}

const cdata = (text: string): string => `<![CDATA[${text.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;
const attr = (name: string, value: string): string => ` ${name}="${escapeXml(value)}"`;

function actionXml(action: PolicyAction): string {
  switch (action.type) {
    case 'add-header':
      return `<action${attr('type', action.type)}${attr('name', action.name)}${attr('value', action.value)}/>`;
    case 'validate-envelope':
      return `<action${attr('type', action.type)}/>`;
    case 'strip-headers':
      return `<action${attr('type', action.type)}${attr('prefixes', action.prefixes.join(','))}/>`;
    case 'add-soap-header':
      return `<action${attr('type', action.type)}${attr('element', action.element)}${attr('namespace', action.namespace)}${attr('value', action.value)}/>`;
  }
}

/** Serialises the whole store; one string, built in one synchronous pass (one transaction). */
export function serialiseConfig(store: EntityStore, meta: ConfigMeta): string {
  const parts: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>\n',
    `<entityStore${attr('product', 'gwscale-reference')}${attr('deployVersion', String(meta.deployVersion))}${attr('deployedAt', meta.deployedAt)}${attr('profile', meta.profile)}>\n`,
    '<policyLibrary>\n',
  ];
  for (const p of store.policies.values()) {
    parts.push(
      `<policy${attr('name', p.name)}${attr('direction', p.direction)}${attr('builtIn', String(p.builtIn))}>${p.actions.map(actionXml).join('')}</policy>\n`,
    );
  }
  parts.push('</policyLibrary>\n<webServiceRepository>\n');
  for (const group of store.groups.values()) {
    parts.push(`<serviceGroup${attr('name', group.name)}>\n`);
    for (const s of group.services.values()) {
      parts.push(
        `<service${attr('name', s.name)}${attr('path', s.path)}${attr('version', s.version)}${attr('source', s.source)}${attr('importedAt', s.importedAt)}>\n`,
        `<wsdl>${cdata(s.wsdlText)}</wsdl>\n`,
      );
      for (const e of s.endpoints) parts.push(`<endpoint${attr('name', e.name)}${attr('protocol', e.protocol)}${attr('address', e.address)}/>\n`);
      for (const op of s.operations) {
        parts.push(
          `<operation${attr('name', op.name)}${attr('pattern', op.pattern)}${attr('input', op.inputElement ?? '')}${attr('output', op.outputElement ?? '')}>`,
        );
        for (const a of op.soapActions) parts.push(`<soapAction${attr('protocol', a.protocol)}${attr('value', a.value)}/>`);
        for (const c of op.circuits) {
          parts.push(`\n<circuit${attr('name', c.name)}${attr('direction', c.direction)}>`);
          for (const f of c.filters) {
            parts.push(`<filter${attr('type', f.type)}${attr('name', f.name)}>`);
            for (const [k, v] of Object.entries(f.properties)) parts.push(`<property${attr('name', k)}${attr('value', v)}/>`);
            parts.push('</filter>');
          }
          for (const p of c.policies) parts.push(`<policyRef${attr('name', p)}/>`);
          parts.push('</circuit>');
        }
        parts.push('\n</operation>\n');
      }
      parts.push('</service>\n');
    }
    parts.push('</serviceGroup>\n');
  }
  parts.push('</webServiceRepository>\n</entityStore>\n');
  return parts.join('');
}

/** The parsed XML tree of a configuration, as fast-xml-parser gives it. */
export type ConfigTree = Record<string, unknown>;

const arrayTags = new Set(['policy', 'action', 'serviceGroup', 'service', 'endpoint', 'operation', 'soapAction', 'circuit', 'filter', 'property', 'policyRef']);
const configParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  cdataPropName: '#cdata',
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: true,
  isArray: (name) => arrayTags.has(name),
});

/** Parses configuration XML into its tree (no checks yet). */
export function parseConfigTree(xml: string): ConfigTree {
  return configParser.parse(xml) as ConfigTree;
}

export interface DeployedOperation {
  readonly name: string;
  readonly pattern: MessagePattern;
  readonly inputElement: string | null;
  readonly outputElement: string | null;
  readonly soapActions: readonly { readonly protocol: BindingProtocol; readonly value: string }[];
  /** Attached policy names per circuit, in order. */
  readonly circuits: ReadonlyMap<CircuitName, readonly string[]>;
}

export interface DeployedService {
  readonly group: string;
  readonly name: string;
  readonly path: string;
  readonly source: string;
  readonly importedAt: string;
  readonly wsdlText: string;
  readonly endpoints: readonly { readonly name: string; readonly protocol: BindingProtocol; readonly address: string }[];
  readonly operations: readonly DeployedOperation[];
}

/** A configuration read back from XML and checked: what the active configuration is built from. */
export interface DeployedConfig {
  readonly meta: ConfigMeta;
  readonly policies: readonly PolicyDefinition[];
  readonly groups: readonly string[];
  readonly services: readonly DeployedService[];
}

/** A deployed configuration that does not hold together; the deploy fails with this reason. */
export class ConfigInvalid extends Error {
  override readonly name = 'ConfigInvalid';
}

type Node = Record<string, unknown>;
const nodes = (value: unknown): Node[] => (Array.isArray(value) ? (value as Node[]) : []);

/**
 * A copy of a string that shares nothing with the text it was cut from. Substrings the parser
 * returns can be V8 slices of the whole configuration text: one kept name would keep all of it
 * (megabytes) alive after the deploy, which is exactly the retention `healthy` must not have.
 */
export const ownString = (text: string): string => (text.length < 13 ? text : Buffer.from(text, 'utf8').toString('utf8'));

const str = (node: Node, name: string, where: string): string => {
  const value = node[`@_${name}`];
  if (typeof value !== 'string') throw new ConfigInvalid(`${where}: attribute ${name} is missing`);
  return ownString(value);
};
const textOf = (node: unknown): string => {
  if (typeof node === 'string') return node;
  if (node !== null && typeof node === 'object') {
    const c = (node as Node)['#cdata'];
    if (Array.isArray(c)) return c.join('');
    if (typeof c === 'string') return c;
    const t = (node as Node)['#text'];
    if (typeof t === 'string') return t;
  }
  return '';
};
const protocols = new Set<string>(['soap11', 'soap12', 'http', 'other']);
const patterns = new Set<string>(['in-out', 'in-only', 'robust-in-only', 'out-in', 'out-only', 'other']);

function actionOf(node: Node, where: string): PolicyAction {
  const type = str(node, 'type', where);
  switch (type) {
    case 'add-header':
      return { type, name: str(node, 'name', where), value: str(node, 'value', where) };
    case 'validate-envelope':
      return { type };
    case 'strip-headers':
      return {
        type,
        prefixes: str(node, 'prefixes', where)
          .split(',')
          .filter((p) => p !== ''),
      };
    case 'add-soap-header':
      return { type, element: str(node, 'element', where), namespace: str(node, 'namespace', where), value: str(node, 'value', where) };
    default:
      throw new ConfigInvalid(`${where}: unknown action type "${type}"`);
  }
}

/**
 * Checks a parsed configuration and reads it into plain records: every policy reference names a
 * library policy of the circuit's direction, every service path is unique, every service has a
 * WSDL and a SOAP endpoint with an http(s) address.
 */
export function readConfig(tree: ConfigTree): DeployedConfig {
  const root = tree['entityStore'] as Node | undefined;
  if (root === undefined || typeof root !== 'object') throw new ConfigInvalid('the root element is not entityStore');
  const deployVersion = Number(str(root, 'deployVersion', 'entityStore'));
  if (!Number.isSafeInteger(deployVersion) || deployVersion < 1) throw new ConfigInvalid('entityStore: deployVersion is not a positive whole number');
  const meta: ConfigMeta = { deployVersion, deployedAt: str(root, 'deployedAt', 'entityStore'), profile: str(root, 'profile', 'entityStore') };

  const policies: PolicyDefinition[] = [];
  const directions = new Map<string, PolicyDirection>();
  for (const p of nodes((root['policyLibrary'] as Node | undefined)?.['policy'])) {
    const name = str(p, 'name', 'policy');
    const direction = str(p, 'direction', `policy ${name}`);
    if (direction !== 'request' && direction !== 'response') throw new ConfigInvalid(`policy ${name}: direction "${direction}"`);
    if (directions.has(name)) throw new ConfigInvalid(`policy ${name} is defined twice`);
    directions.set(name, direction);
    policies.push({
      name,
      direction,
      builtIn: str(p, 'builtIn', `policy ${name}`) === 'true',
      actions: nodes(p['action']).map((a) => actionOf(a, `policy ${name}`)),
    });
  }

  const groups: string[] = [];
  const services: DeployedService[] = [];
  const paths = new Set<string>();
  for (const g of nodes((root['webServiceRepository'] as Node | undefined)?.['serviceGroup'])) {
    const group = str(g, 'name', 'serviceGroup');
    groups.push(group);
    for (const s of nodes(g['service'])) {
      const name = str(s, 'name', `group ${group}: service`);
      const where = `service ${name}`;
      const path = str(s, 'path', where);
      if (paths.has(path)) throw new ConfigInvalid(`${where}: path ${path} is used twice`);
      paths.add(path);
      const wsdlText = textOf(s['wsdl']);
      if (wsdlText === '') throw new ConfigInvalid(`${where}: no WSDL`);
      const endpoints = nodes(s['endpoint']).map((e) => {
        const protocol = str(e, 'protocol', where);
        if (!protocols.has(protocol)) throw new ConfigInvalid(`${where}: endpoint protocol "${protocol}"`);
        const address = str(e, 'address', where);
        if ((protocol === 'soap11' || protocol === 'soap12') && !/^https?:\/\//.test(address))
          throw new ConfigInvalid(`${where}: endpoint address "${address}" is not an http(s) URL`);
        return { name: str(e, 'name', where), protocol: protocol as BindingProtocol, address };
      });
      if (!endpoints.some((e) => e.protocol === 'soap11' || e.protocol === 'soap12')) throw new ConfigInvalid(`${where}: no SOAP endpoint`);
      const operations = nodes(s['operation']).map((o): DeployedOperation => {
        const opName = str(o, 'name', where);
        const pattern = str(o, 'pattern', `${where} operation ${opName}`);
        if (!patterns.has(pattern)) throw new ConfigInvalid(`${where} operation ${opName}: pattern "${pattern}"`);
        const circuits = new Map<CircuitName, readonly string[]>();
        for (const c of nodes(o['circuit'])) {
          const circuit = str(c, 'name', `${where} operation ${opName}`) as CircuitName;
          if (!circuitNames.includes(circuit)) throw new ConfigInvalid(`${where} operation ${opName}: unknown circuit "${circuit}"`);
          const direction: PolicyDirection = circuit === circuitNames[0] ? 'request' : 'response';
          const refs = nodes(c['policyRef']).map((r) => str(r, 'name', `${where} circuit ${circuit}`));
          for (const ref of refs) {
            const d = directions.get(ref);
            if (d === undefined)
              throw new ConfigInvalid(`${where} operation ${opName}: circuit "${circuit}" names policy "${ref}", which the library does not hold`);
            if (d !== direction) throw new ConfigInvalid(`${where} operation ${opName}: ${d} policy "${ref}" attached to ${direction} circuit "${circuit}"`);
          }
          circuits.set(circuit, refs);
        }
        const input = str(o, 'input', where);
        const output = str(o, 'output', where);
        return {
          name: opName,
          pattern: pattern as MessagePattern,
          inputElement: input === '' ? null : input,
          outputElement: output === '' ? null : output,
          soapActions: nodes(o['soapAction']).map((a) => ({ protocol: str(a, 'protocol', where) as BindingProtocol, value: str(a, 'value', where) })),
          circuits,
        };
      });
      if (operations.length === 0) throw new ConfigInvalid(`${where}: no operations`);
      services.push({ group, name, path, source: str(s, 'source', where), importedAt: str(s, 'importedAt', where), wsdlText, endpoints, operations });
    }
  }
  return { meta, policies, groups, services };
}
