import { AggregateRoot } from '@rcp/ddd';
import { ConfigVersionPublished, RuntimeConfigurationEvent } from './configuration.domain-events';
import { ConfigContent, checksumOf } from './runtime-config-content';

/** One immutable, numbered version of a service's configuration in one environment. */
export interface ConfigVersionSnapshot extends ConfigContent {
  version: number;
  checksum: string;
  author: string;
  createdAt: Date;
}

export interface RuntimeConfigurationSnapshot {
  id: string;
  tenantId: string;
  projectId: string;
  environmentId: string;
  service: string;
  latestVersion: number;
  latestChecksum: string;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * The configuration of one service in one environment: a line of immutable versions 1, 2, … The
 * aggregate holds the latest version (to tell a repeat from a change) and the versions published since
 * it was loaded (which its repository inserts); older versions are read, never changed.
 */
export class RuntimeConfiguration extends AggregateRoot<string, RuntimeConfigurationEvent> {
  private pending: ConfigVersionSnapshot[] = [];

  private constructor(
    private s: RuntimeConfigurationSnapshot,
    private latest: ConfigVersionSnapshot | null,
    version: number,
  ) {
    super(s.id, version);
  }

  /** A service's configuration line before its first version (saved only once one is published). */
  static start(props: { id: string; tenantId: string; projectId: string; environmentId: string; service: string }, now: Date): RuntimeConfiguration {
    return new RuntimeConfiguration({ ...props, latestVersion: 0, latestChecksum: '', createdAt: now, updatedAt: now }, null, 0);
  }

  static rehydrate(s: RuntimeConfigurationSnapshot, latest: ConfigVersionSnapshot | null, version: number): RuntimeConfiguration {
    return new RuntimeConfiguration({ ...s }, latest, version);
  }

  /**
   * Publishes `content` as the next version, or answers the latest one (and changes nothing) when the
   * content is the same as the latest's: publishing is idempotent by content.
   */
  publish(content: ConfigContent, author: string, now: Date): { version: ConfigVersionSnapshot; created: boolean } {
    const checksum = checksumOf(content);
    if (this.latest && this.latest.checksum === checksum) return { version: this.latest, created: false };
    const previousVersion = this.latest?.version ?? null;
    const version: ConfigVersionSnapshot = { version: this.s.latestVersion + 1, checksum, entries: { ...content.entries }, secretRefs: [...content.secretRefs], author, createdAt: now };
    this.s = { ...this.s, latestVersion: version.version, latestChecksum: checksum, updatedAt: now };
    this.latest = version;
    this.pending.push(version);
    this.record(
      new ConfigVersionPublished(
        this.id,
        {
          tenantId: this.s.tenantId,
          projectId: this.s.projectId,
          environmentId: this.s.environmentId,
          service: this.s.service,
          version: version.version,
          checksum,
          keys: Object.keys(content.entries).sort(),
          secretRefs: [...content.secretRefs],
          author,
          previousVersion,
        },
        now,
      ),
    );
    return { version, created: true };
  }

  /** The versions published since the aggregate was loaded; the repository inserts them and clears the list. */
  takePendingVersions(): ConfigVersionSnapshot[] {
    const out = this.pending;
    this.pending = [];
    return out;
  }

  get latestVersion(): ConfigVersionSnapshot | null {
    return this.latest;
  }

  get projectId(): string {
    return this.s.projectId;
  }

  snapshot(): RuntimeConfigurationSnapshot {
    return { ...this.s };
  }
}
