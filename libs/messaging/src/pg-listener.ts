import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Client } from 'pg';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { databaseUrls } from '@rcp/persistence';
import { DELIVERY_CHANNEL, OUTBOX_CHANNEL, RelayWakeup } from './relay-wakeup';

/**
 * One dedicated Postgres session per worker process (never a pooled connection): it LISTENs for
 * wake-up hints and holds session-level advisory locks such as the relay leader lock, which Postgres
 * releases by itself when the session ends, so a crashed leader never keeps the lock. It connects as the
 * system login, like the system pool.
 */
@Injectable()
export class PgSession implements OnApplicationShutdown {
  private client?: Client;
  private readonly log = new Logger('PgSession');
  private closing = false;

  constructor(
    @Inject(SETTINGS_TOKEN) private readonly settings: Settings,
    private readonly wakeup: RelayWakeup,
  ) {}

  private async connect(): Promise<Client> {
    if (this.client) return this.client;
    const client = new Client({ connectionString: databaseUrls(this.settings).system, application_name: 'rcp-worker-session' });
    client.on('notification', (msg) => this.wakeup.received(msg.channel, msg.processId));
    client.on('error', (err) => {
      this.log.warn(`worker session lost: ${err.message}`);
      if (this.client === client) this.client = undefined;
    });
    client.on('end', () => {
      if (this.client === client) this.client = undefined;
    });
    await client.connect();
    await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
    await client.query(`LISTEN ${DELIVERY_CHANNEL}`);
    this.client = client;
    return client;
  }

  /** Tries to take a session-level advisory lock; true while this process holds it. */
  async tryLock(key: number): Promise<boolean> {
    if (this.closing) return false;
    const client = await this.connect();
    const res = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [key]);
    return res.rows[0].ok;
  }

  /** Is the session that took the lock still alive? (A dropped session has lost its locks.) */
  get alive(): boolean {
    return !!this.client;
  }

  async unlock(key: number): Promise<void> {
    await this.client?.query('SELECT pg_advisory_unlock($1)', [key]).catch(() => undefined);
  }

  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => undefined);
  }
}
