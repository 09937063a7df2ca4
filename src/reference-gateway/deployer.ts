/**
 * Deploy: one transaction over the whole store. Serialise it, parse the text back and check it,
 * build the routing table, persist the text into the data dir, then swap it in as the active
 * configuration. The serialised text and its parsed copy are the transient peak of every deploy.
 */
import { existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ActiveConfiguration } from './active-config.js';
import { ConfigInvalid, parseConfigTree, readConfig, serialiseConfig, type ConfigTree, type DeployedConfig } from './config-xml.js';
import type { ProfileBehaviour } from './profiles.js';
import type { EntityStore } from './store.js';
import type { DeployResult } from './protocol.js';

/** A superseded configuration kept reachable by `retain-configs` (nobody reads it again). */
interface RetainedConfig {
  readonly xml: string;
  readonly tree: ConfigTree;
  readonly config: DeployedConfig;
  readonly active: ActiveConfiguration;
}

export const DEPLOYED_FILE = 'deployed.xml';

export class Deployer {
  private activeConfig: ActiveConfiguration | null = null;
  private readonly history: RetainedConfig[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private readonly store: EntityStore;
  private readonly dataDir: string;
  private readonly profileName: string;
  private readonly behaviour: ProfileBehaviour;

  constructor(store: EntityStore, dataDir: string, profileName: string, behaviour: ProfileBehaviour) {
    this.store = store;
    this.dataDir = dataDir;
    this.profileName = profileName;
    this.behaviour = behaviour;
  }

  /** The configuration the data plane serves; null before the first deploy. */
  get active(): ActiveConfiguration | null {
    return this.activeConfig;
  }

  /** Deploys the store as it now stands; concurrent calls run one after another. */
  deploy(): Promise<DeployResult> {
    const run = this.queue.then(() => this.deployNow());
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async deployNow(): Promise<DeployResult> {
    const t0 = performance.now();
    const deployVersion = (this.activeConfig?.meta.deployVersion ?? 0) + 1;
    let xml: string;
    let tree: ConfigTree;
    let config: DeployedConfig;
    let next: ActiveConfiguration;
    try {
      xml = serialiseConfig(this.store, { deployVersion, deployedAt: new Date().toISOString(), profile: this.profileName });
      tree = parseConfigTree(xml);
      config = readConfig(tree);
      next = ActiveConfiguration.build(config);
    } catch (error) {
      const reason =
        error instanceof ConfigInvalid ? `invalid configuration: ${error.message}` : `deploy failed: ${error instanceof Error ? error.message : String(error)}`;
      return { status: 'failed', ms: performance.now() - t0, reason };
    }
    try {
      const file = join(this.dataDir, DEPLOYED_FILE);
      await writeFile(`${file}.tmp`, xml);
      await rename(`${file}.tmp`, file);
    } catch (error) {
      return {
        status: 'failed',
        ms: performance.now() - t0,
        reason: `could not persist the configuration: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
    // The memory-not-released failure: each deployed configuration stays reachable from here.
    if (this.behaviour.retainConfigs) this.history.push({ xml, tree, config, active: next });
    this.activeConfig = next;
    return { status: 'deployed', deployVersion, ms: performance.now() - t0, configBytes: Buffer.byteLength(xml), services: config.services.length };
  }

  /**
   * Loads the configuration a previous run of this data dir deployed: the store is rebuilt from it
   * and it becomes active again. Returns the number of services loaded (0 when there is none).
   */
  async load(): Promise<number> {
    const file = join(this.dataDir, DEPLOYED_FILE);
    if (!existsSync(file)) return 0;
    const config = readConfig(parseConfigTree(await readFile(file, 'utf8')));
    for (const policy of config.policies) if (!policy.builtIn) this.store.createPolicy(policy);
    for (const group of config.groups) this.store.createGroup(group);
    for (const s of config.services) {
      const attached = new Map(s.operations.map((op) => [op.name, op.circuits]));
      this.store.restore({ group: s.group, name: s.name, source: s.source, importedAt: s.importedAt, wsdlText: s.wsdlText, attached });
    }
    this.activeConfig = ActiveConfiguration.build(config);
    return config.services.length;
  }
}
