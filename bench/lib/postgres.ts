import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Cluster, findPgBin, removeCluster, startCluster } from '../../test/support/postgres-cluster';
import { PG_CPUS, pinTree } from './cpus';

export interface BenchDatabase {
  cluster: Cluster;
  /** The postmaster's pid: its process tree is PostgreSQL's whole CPU use. */
  pid: number;
  version: string;
  close(): void;
}

/** A throwaway PostgreSQL cluster (fsync off), pinned to the server side's cores. */
export async function startPostgres(): Promise<BenchDatabase> {
  const bin = findPgBin();
  if (!bin) throw new Error('PostgreSQL server binaries not found (apt-get install postgresql)');
  const cluster = await startCluster(bin);
  const postmaster = Number(readFileSync(join(cluster.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
  // Backends are forked from the postmaster after this and inherit its mask.
  pinTree(postmaster, PG_CPUS);
  const version = execFileSync(join(bin, 'postgres'), ['--version']).toString().trim();
  return { cluster, pid: postmaster, version, close: () => removeCluster(cluster) };
}
