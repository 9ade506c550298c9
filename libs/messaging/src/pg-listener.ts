import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Client, QueryResult, QueryResultRow } from 'pg';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { databaseUrls } from '@rcp/persistence';
import { DELIVERY_CHANNEL, OUTBOX_CHANNEL, RelayWakeup } from './relay-wakeup';

/**
 * One dedicated Postgres session per worker process (never a pooled connection): it LISTENs for
 * wake-up hints and holds session-level advisory locks such as the relay leader lock, which Postgres
 * releases by itself when the session ends, so a crashed leader never keeps the lock. It connects as the
 * system login, like the system pool.
 *
 * TCP keepalive (Node sets: first probe after 1 s of silence, then one a second, 10 unanswered end the
 * connection) lets this side notice a lost network in about 11 s (without it, never). It
 * cannot notice a frozen peer: a SIGSTOPped process's kernel still answers the probes, which is why the
 * relay also keeps a lease (see `OutboxRelay`).
 */
@Injectable()
export class PgSession implements OnApplicationShutdown {
  private client?: Client;
  private connecting?: Promise<Client>;
  private backendPid?: number;
  private readonly log = new Logger('PgSession');
  private closing = false;

  constructor(
    @Inject(SETTINGS_TOKEN) private readonly settings: Settings,
    private readonly wakeup: RelayWakeup,
  ) {}

  private connect(): Promise<Client> {
    if (this.client) return Promise.resolve(this.client);
    if (this.closing) return Promise.reject(new Error('the worker session is closed'));
    this.connecting ??= this.open().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async open(): Promise<Client> {
    const client = new Client({
      connectionString: databaseUrls(this.settings).system,
      application_name: 'rcp-worker-session',
      keepAlive: true,
      keepAliveInitialDelayMillis: 1000,
    });
    let ended = false;
    const lost = () => {
      ended = true;
      if (this.client !== client) return;
      this.client = undefined;
      this.backendPid = undefined;
    };
    client.on('notification', (msg) => this.wakeup.received(msg.channel, msg.processId));
    client.on('error', (err) => {
      this.log.warn(`worker session lost: ${err.message}`);
      lost();
    });
    client.on('end', lost);
    let pid: number;
    try {
      await client.connect();
      await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
      await client.query(`LISTEN ${DELIVERY_CHANNEL}`);
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      pid = rows[0].pid;
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    // Lost during the set-up, or the application closed meanwhile: never keep it as the session.
    if (ended || this.closing) {
      await client.end().catch(() => undefined);
      throw new Error('the worker session ended while it was being opened');
    }
    this.client = client;
    this.backendPid = pid;
    return client;
  }

  /** Runs one statement on the session (connecting first if it is down): for session-level locks and what guards them. */
  async query<R extends QueryResultRow = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<QueryResult<R>> {
    const client = await this.connect();
    return client.query<R>(sql, params);
  }

  /**
   * The backend pid of the live session, undefined while it is down. Locks taken on the session are held
   * exactly as long as this stays the same: a new pid is a new session that holds nothing.
   */
  get pid(): number | undefined {
    return this.backendPid;
  }

  async unlock(key: number): Promise<void> {
    await this.client?.query('SELECT pg_advisory_unlock($1)', [key]).catch(() => undefined);
  }

  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    const c = this.client;
    this.client = undefined;
    this.backendPid = undefined;
    await c?.end().catch(() => undefined);
  }
}
