import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './free-port.ts';
import { startHaproxy, type Haproxy, type HaproxyOptions } from './haproxy.ts';
import { startMariadbPair, type MariadbPair } from './mariadb-pair.ts';
import { startMysqldExporter, type MysqldExporter } from './mysqld-exporter.ts';
import { startPrometheus, type PrometheusProcess } from './prometheus-process.ts';
import { mustRunCli } from './run-cli.ts';
import { E2E_TIME_FACTOR, scaleRuleDurations } from './scale-rule-durations.ts';
import { startServeNode, type ServeNode } from './serve-node.ts';

export interface TopologyOptions {
  root: string;
  dir: string;
  /** Tenants and average rows per tenant seeded before the nodes start (the restore check's tenant is one). */
  seedTenants: number;
  seedRows: number;
  log: (line: string) => void;
  /** HAProxy's health-check and retry settings (the lab's defaults unless given). */
  haproxy?: Pick<HaproxyOptions, 'checkInterMs' | 'fall' | 'rise' | 'retryElsewhere'>;
}

export interface Phase3Topology {
  root: string;
  dir: string;
  adminToken: string;
  pair: MariadbPair;
  nodes: ServeNode[];
  haproxy: Haproxy;
  exporters: { primary: MysqldExporter; replica: MysqldExporter };
  prometheus: PrometheusProcess;
  /** Whether `serve` takes --db-replica (the platform reads from the replica), and how the nodes got it. */
  replicaReads: boolean;
  /** The rules Prometheus evaluates: the project's file with every `for` divided by this factor. */
  ruleTimeFactor: number;
  startNode(name: string, withReplica?: boolean): Promise<ServeNode>;
  /** Restarts a node (after kill -9) under the same name and port-independent identity. */
  restartNode(name: string): Promise<ServeNode>;
}

/** Does this build of `serve` know --db-replica (added by the read-replica routing work)? */
export function serveSupportsReplica(root: string): boolean {
  const r = spawnSync(join(root, 'bin/tenantops'), ['serve', '--help'], { encoding: 'utf8' });
  return /--db-replica\b/.test(r.stdout + r.stderr);
}

/**
 * Phase 3 on loopback: the MariaDB pair, two `tenantops serve` nodes on the primary (reading from the replica when
 * serve supports it), HAProxy over them, one mysqld_exporter per server and Prometheus scraping all four with the
 * project's rules, time-scaled. Everything it starts is a lab process (stopAllLabProcesses ends it).
 */
export async function startPhase3Topology(o: TopologyOptions): Promise<Phase3Topology> {
  const adminToken = randomBytes(24).toString('hex');
  o.log('starting MariaDB primary and replica (GTID)');
  const pair = await startMariadbPair({ parentDir: o.dir });
  o.log(`seeding ${o.seedTenants} tenants (~${o.seedRows} rows each) on the primary`);
  await mustRunCli(o.root, ['db', 'seed', '--tenants', String(o.seedTenants), '--rows', String(o.seedRows)], {
    env: { TENANTOPS_DB_URL: pair.primaryUrl },
  });
  await pair.waitForReplica();
  const replicaReads = serveSupportsReplica(o.root);
  const names = new Map<string, { port: number; withReplica: boolean }>();
  const nodes: ServeNode[] = [];
  const startNode = async (name: string, withReplica = replicaReads): Promise<ServeNode> => {
    const port = names.get(name)?.port ?? (await freePort());
    names.set(name, { port, withReplica });
    return startServeNode({
      root: o.root,
      name,
      port,
      dbUrl: pair.primaryUrl,
      adminToken,
      // The replica URL carries a password: the environment, not argv.
      env: withReplica ? { TENANTOPS_DB_REPLICA_URL: pair.replicaUrl } : {},
    });
  };
  o.log(`starting two tenantops serve nodes${replicaReads ? ' (reads from the replica)' : ''}`);
  nodes.push(...(await Promise.all([startNode('app1'), startNode('app2')])));
  o.log('starting HAProxy (leastconn, health checks on /api/health)');
  const haproxy = await startHaproxy({
    ...o.haproxy,
    dir: o.dir,
    backends: nodes.map((n) => ({ name: n.name, target: n.target })),
  });
  o.log('starting mysqld_exporter x2 and Prometheus');
  const [ep, er] = await Promise.all([
    startMysqldExporter(pair.exporterCnf.primary),
    startMysqldExporter(pair.exporterCnf.replica),
  ]);
  const promDir = join(o.dir, 'prometheus');
  mkdirSync(promDir, { recursive: true });
  const rules = join(promDir, 'scaling_alerts.yml');
  writeFileSync(
    rules,
    scaleRuleDurations(readFileSync(join(o.root, 'monitoring/prometheus/rules/scaling_alerts.yml'), 'utf8')),
  );
  const prometheus = await startPrometheus(
    promDir,
    { tenantops: nodes.map((n) => n.target), mysqld: [ep.target, er.target] },
    rules,
  );
  const topo: Phase3Topology = {
    root: o.root,
    dir: o.dir,
    adminToken,
    pair,
    nodes,
    haproxy,
    exporters: { primary: ep, replica: er },
    prometheus,
    replicaReads,
    ruleTimeFactor: E2E_TIME_FACTOR,
    startNode,
    async restartNode(name) {
      const i = nodes.findIndex((n) => n.name === name);
      if (i < 0) throw new Error(`no node ${name}`);
      await nodes[i]!.stop();
      const n = await startNode(name, names.get(name)!.withReplica);
      nodes[i] = n;
      return n;
    },
  };
  return topo;
}
