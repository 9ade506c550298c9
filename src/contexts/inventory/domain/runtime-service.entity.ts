import { DomainError } from '@rcp/ddd';
import { ENVIRONMENT_NAME_PATTERN } from './environment-name.value-object';
import { ServiceStatePayload } from './inventory.domain-events';

/** One service as an agent reports it. */
export interface ServiceReport {
  name: string;
  image: string;
  replicas: number;
  readyReplicas: number;
  configChecksum: string | null;
}

export const MAX_REPLICAS_REPORTED = 100_000;
export const MAX_IMAGE_LENGTH = 512;
export const MAX_CHECKSUM_LENGTH = 128;

export interface RuntimeServiceSnapshot extends ServiceStatePayload {
  name: string;
  overQuota: boolean;
  removed: boolean;
  firstObservedAt: Date;
  lastObservedAt: Date;
  lastChangedAt: Date;
  removedAt: Date | null;
}

/**
 * One row of an environment's live inventory: the last observed state of a service (image, replicas,
 * readiness, config checksum), when it was first and last seen, whether it is beyond the tenant's
 * `maxServicesPerEnvironment`, and whether it disappeared from the reports (`removed`; the row stays so
 * the history of the environment is readable). An entity of {@link RuntimeServiceInventory}.
 */
export class RuntimeService {
  private constructor(private s: RuntimeServiceSnapshot) {}

  static validate(report: ServiceReport, index: number): ServiceReport {
    const field = (f: string) => `services[${index}].${f}`;
    if (typeof report.name !== 'string' || !ENVIRONMENT_NAME_PATTERN.test(report.name)) {
      throw new DomainError('validation_failed', `${field('name')} must be a DNS label`, { field: field('name') });
    }
    if (typeof report.image !== 'string' || report.image.trim().length === 0 || report.image.length > MAX_IMAGE_LENGTH) {
      throw new DomainError('validation_failed', `${field('image')} must be 1 to ${MAX_IMAGE_LENGTH} characters`, { field: field('image') });
    }
    for (const key of ['replicas', 'readyReplicas'] as const) {
      const v = report[key];
      if (!Number.isInteger(v) || v < 0 || v > MAX_REPLICAS_REPORTED) {
        throw new DomainError('validation_failed', `${field(key)} must be an integer from 0 to ${MAX_REPLICAS_REPORTED}`, { field: field(key) });
      }
    }
    const checksum = report.configChecksum ?? null;
    if (checksum !== null && (typeof checksum !== 'string' || checksum.length === 0 || checksum.length > MAX_CHECKSUM_LENGTH)) {
      throw new DomainError('validation_failed', `${field('configChecksum')} must be null or 1 to ${MAX_CHECKSUM_LENGTH} characters`, { field: field('configChecksum') });
    }
    return { name: report.name, image: report.image, replicas: report.replicas, readyReplicas: report.readyReplicas, configChecksum: checksum };
  }

  static observe(report: ServiceReport, observedAt: Date): RuntimeService {
    return new RuntimeService({
      name: report.name,
      image: report.image,
      replicas: report.replicas,
      readyReplicas: report.readyReplicas,
      configChecksum: report.configChecksum,
      overQuota: false,
      removed: false,
      firstObservedAt: observedAt,
      lastObservedAt: observedAt,
      lastChangedAt: observedAt,
      removedAt: null,
    });
  }

  static rehydrate(s: RuntimeServiceSnapshot): RuntimeService {
    return new RuntimeService({ ...s });
  }

  get name(): string {
    return this.s.name;
  }

  get removed(): boolean {
    return this.s.removed;
  }

  get overQuota(): boolean {
    return this.s.overQuota;
  }

  get firstObservedAt(): Date {
    return this.s.firstObservedAt;
  }

  get state(): ServiceStatePayload {
    return { image: this.s.image, replicas: this.s.replicas, readyReplicas: this.s.readyReplicas, configChecksum: this.s.configChecksum };
  }

  /** Takes a newer report of this service; returns the previous state when something changed. */
  update(report: ServiceReport, observedAt: Date): ServiceStatePayload | null {
    const previous = this.state;
    this.s.lastObservedAt = observedAt;
    const same =
      previous.image === report.image &&
      previous.replicas === report.replicas &&
      previous.readyReplicas === report.readyReplicas &&
      previous.configChecksum === report.configChecksum;
    if (same) return null;
    Object.assign(this.s, { image: report.image, replicas: report.replicas, readyReplicas: report.readyReplicas, configChecksum: report.configChecksum });
    this.s.lastChangedAt = observedAt;
    return previous;
  }

  markRemoved(observedAt: Date): void {
    this.s.removed = true;
    this.s.removedAt = observedAt;
    this.s.overQuota = false;
    this.s.lastChangedAt = observedAt;
  }

  /** Returns true when the flag changed. */
  setOverQuota(over: boolean): boolean {
    if (this.s.overQuota === over) return false;
    this.s.overQuota = over;
    return true;
  }

  snapshot(): RuntimeServiceSnapshot {
    return { ...this.s };
  }
}
