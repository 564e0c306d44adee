/**
 * The central InfluxDB, one database per hromada (`hromadaDatabase`): each is
 * set up like a hromada's own (retention policies of `storage.retention`,
 * rollup continuous queries) the first time something is written to it, so
 * that a hromada's queries and report work unchanged one level up, and a
 * hromada can be dropped, kept longer or restored alone.
 */
import type { InfluxDB } from 'influx';
import type { Logger } from '../common/log.ts';
import { hromadaDatabase, type CentralConfig } from '../config/central.ts';
import {
  classifyWriteError,
  createInfluxClient,
  createLineWriter,
  errorMessage,
  type InfluxConnection,
  type InfluxLogin,
  type LineWriter,
} from '../storage/influx-client.ts';
import { influxQuery, type Query } from '../storage/influx-query.ts';
import { setupInflux, type RetentionMs } from '../storage/influx-setup.ts';

const PING_TIMEOUT_MS = 5_000;

export interface CentralInfluxOptions {
  config: CentralConfig;
  url: string;
  /** The managed influxd's admin; else the user of `storage.influx`, if any. */
  login?: InfluxLogin;
  log: Logger;
}

/** A hromada's database at the centre, with its clients. */
export interface HromadaDatabase {
  name: string;
  client: InfluxDB;
  writeLines: LineWriter;
  query: Query;
}

export class CentralInflux {
  private readonly databases = new Map<string, HromadaDatabase>();
  /** Setups done or under way, by database; forgotten after an outage. */
  private readonly setups = new Map<string, Promise<void>>();
  private readonly retention: RetentionMs;

  constructor(private readonly options: CentralInfluxOptions) {
    this.retention = { rawMs: options.config.storage.retention.raw, rollupMs: options.config.storage.retention.rollup };
  }

  connection(database: string): InfluxConnection {
    const configured = this.options.config.storage.influx;
    const user = this.options.login ?? { username: configured?.username, password: configured?.password };
    return {
      url: this.options.url,
      database,
      ...(user.username ? { username: user.username } : {}),
      ...(user.password ? { password: user.password } : {}),
    };
  }

  /** The database of a hromada; its clients are made once. */
  database(hromada: string): HromadaDatabase {
    const name = hromadaDatabase(this.options.config, hromada);
    let database = this.databases.get(name);
    if (database === undefined) {
      const connection = this.connection(name);
      database = { name, client: createInfluxClient(connection), writeLines: createLineWriter(connection), query: influxQuery(connection) };
      this.databases.set(name, database);
    }
    return database;
  }

  /**
   * Sets the database up once (concurrent callers share the attempt). Throws
   * when InfluxDB is unavailable; a setup it refuses for good is logged and
   * not repeated, so that the raw points still go in.
   */
  ensureSetUp(database: HromadaDatabase): Promise<void> {
    let setup = this.setups.get(database.name);
    if (setup === undefined) {
      setup = this.setUp(database);
      this.setups.set(database.name, setup);
      setup.catch(() => this.setups.delete(database.name));
    }
    return setup;
  }

  /** After an outage the server may be another, or a database may have been dropped: set each up again. */
  forgetSetups(): void {
    this.setups.clear();
  }

  /** Whether the server answers /ping (which needs neither a database nor a login). */
  async answers(): Promise<boolean> {
    try {
      const response = await fetch(`${this.options.url.replace(/\/+$/, '')}/ping`, { signal: AbortSignal.timeout(PING_TIMEOUT_MS) });
      return response.status === 204;
    } catch {
      return false;
    }
  }

  private async setUp(database: HromadaDatabase): Promise<void> {
    try {
      await setupInflux(database.client, { database: database.name, retention: this.retention, log: this.options.log });
    } catch (err) {
      if (classifyWriteError(err) === 'unavailable') throw err;
      this.options.log.error(
        { err: errorMessage(err), database: database.name },
        'InfluxDB refused to set up the database, its retention policies or its continuous queries: until an InfluxDB admin fixes that, the raw points are written but the rollups and the report stay empty',
      );
    }
  }
}
