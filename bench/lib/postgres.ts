import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Cluster, findPgBin, removeCluster, startCluster } from '../../test/support/postgres-cluster';
import { PG_CPUS, pinTree } from './cpus';

export interface BenchDatabase {
  cluster: Cluster;
  /** The postmaster's pid: its process tree is PostgreSQL's whole CPU use. */
  pid: number;
  version: string;
  /** `BENCH_PG_STATEMENTS=1`: pg_stat_statements, reset before a measurement and read after. */
  statements?: { reset(): void; top(limit: number): string };
  /**
   * VACUUM ANALYZE and CHECKPOINT: after the fixture's burst of writes, so that autovacuum, the
   * first statistics and the checkpoint of the set-up do not land on the first scenario measured.
   */
  settle(): void;
  /** Autovacuums and autoanalyzes of the user tables, and checkpoints, since the cluster started. */
  housekeeping(): { autovacuum: number; autoanalyze: number; checkpoints: number };
  close(): void;
}

/** A throwaway PostgreSQL cluster (fsync off), pinned to the server side's cores. */
export async function startPostgres(): Promise<BenchDatabase> {
  const bin = findPgBin();
  if (!bin) throw new Error('PostgreSQL server binaries not found (apt-get install postgresql)');
  const tracked = process.env.BENCH_PG_STATEMENTS === '1';
  const cluster = await startCluster(bin, {
    settings: tracked
      ? [
          'shared_preload_libraries=pg_stat_statements',
          'pg_stat_statements.track=all',
          'pg_stat_statements.track_planning=on',
        ]
      : [],
  });
  const postmaster = Number(readFileSync(join(cluster.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
  // Backends are forked from the postmaster after this and inherit its mask.
  pinTree(postmaster, PG_CPUS);
  const version = execFileSync(join(bin, 'postgres'), ['--version']).toString().trim();
  const psql = (sql: string) =>
    execFileSync(
      // Next to initdb in Debian's versioned folder; elsewhere on PATH.
      existsSync(join(bin, 'psql')) ? join(bin, 'psql') : 'psql',
      ['-X', '-h', '127.0.0.1', '-p', String(cluster.port), '-U', 'postgres', '-P', 'pager=off', '-c', sql],
      { encoding: 'utf8' },
    );
  if (tracked) psql('create extension if not exists pg_stat_statements');
  const statements = tracked
    ? {
        reset: () => void psql('select pg_stat_statements_reset(), pg_stat_reset()'),
        // Per call: executor time, planning (per plan), rows, buffers touched and dirtied, WAL written.
        top: (limit: number) =>
          psql(`select calls, round(total_exec_time::numeric, 1) as total_ms,
                       round((1000 * total_exec_time / greatest(calls, 1))::numeric, 1) as exec_us,
                       plans, round((1000 * total_plan_time / greatest(plans, 1))::numeric, 1) as plan_us,
                       round(rows::numeric / greatest(calls, 1), 2) as rows,
                       round((shared_blks_hit + shared_blks_read)::numeric / greatest(calls, 1), 1) as blks,
                       round(shared_blks_dirtied::numeric / greatest(calls, 1), 2) as dirtied,
                       round(wal_records::numeric / greatest(calls, 1), 1) as wal_recs,
                       round(wal_bytes::numeric / greatest(calls, 1)) as wal_bytes,
                       left(regexp_replace(query, '\\s+', ' ', 'g'), 160) as query
                  from pg_stat_statements order by total_exec_time desc limit ${limit}`) +
          // HOT updates write no index entry; the others write one in every index of the table.
          psql(`select relname, n_tup_ins, n_tup_upd, n_tup_hot_upd, n_tup_del, n_live_tup, n_dead_tup
                  from pg_stat_user_tables where n_tup_ins + n_tup_upd + n_tup_del > 0 order by relname`),
      }
    : undefined;
  const settle = () => {
    psql('vacuum analyze');
    psql('checkpoint');
  };
  const housekeeping = () => {
    const [autovacuum = 0, autoanalyze = 0, checkpoints = 0] = psqlValues(
      `select (select coalesce(sum(autovacuum_count), 0) from pg_stat_user_tables),
              (select coalesce(sum(autoanalyze_count), 0) from pg_stat_user_tables),
              (select checkpoints_timed + checkpoints_req from pg_stat_bgwriter)`,
    );
    return { autovacuum, autoanalyze, checkpoints };
  };
  const psqlValues = (sql: string) =>
    execFileSync(
      existsSync(join(bin, 'psql')) ? join(bin, 'psql') : 'psql',
      [
        '-X',
        '-A',
        '-t',
        '-F',
        ' ',
        '-h',
        '127.0.0.1',
        '-p',
        String(cluster.port),
        '-U',
        'postgres',
        '-c',
        sql,
      ],
      { encoding: 'utf8' },
    )
      .trim()
      .split(/\s+/)
      .map(Number);
  return {
    cluster,
    pid: postmaster,
    version,
    statements,
    settle,
    housekeeping,
    close: () => removeCluster(cluster),
  };
}
