import { AggregateRoot, DomainError } from '@rcp/ddd';
import { ServiceChanged, ServiceInventoryEvent, ServiceObserved, ServiceRemoved, ServiceStatePayload } from './inventory.domain-events';
import { RuntimeService, RuntimeServiceSnapshot, ServiceReport } from './runtime-service.entity';

/** Reports may be stamped at most this far in the future (agent clocks drift a little, not more). */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;
/** Most services one report may carry whatever the quota (twice the highest quota tenancy allows). */
export const MAX_SERVICES_PER_REPORT = 1000;
/**
 * A report may list up to this many times the tenant's `maxServicesPerEnvironment`: the quota, and as
 * many again kept and flagged `overQuota` (so an agent that sees more than allowed is heard). Beyond,
 * the report is refused whole: each reported service can publish an event, so the quota bounds what
 * one report publishes.
 */
export const REPORT_QUOTA_FACTOR = 2;

export interface ActualStateReport {
  observedAt: Date;
  services: ServiceReport[];
}

export interface ServiceInventorySnapshot {
  environmentId: string;
  tenantId: string;
  projectId: string;
  /** `observedAt` of the last applied report: older reports are ignored. */
  lastObservedAt: Date | null;
  version: number;
  services: RuntimeServiceSnapshot[];
}

export type ReportOutcome =
  | { applied: false; reason: string; lastObservedAt: string | null }
  | {
      applied: true;
      observed: string[];
      changed: string[];
      removed: string[];
      unchanged: string[];
      /** Live services beyond `maxServicesPerEnvironment` (kept and reported, never dropped). */
      overQuota: string[];
      liveServices: number;
      maxServicesPerEnvironment: number | null;
    };

/**
 * The live inventory of one environment: every service an agent has reported, as
 * {@link RuntimeService} entities. One aggregate per environment (its id is the environment id) because
 * a report is a *full* picture: which services disappeared, which are new, and which exceed the
 * tenant's `maxServicesPerEnvironment` can only be decided against the whole set, atomically, and two
 * agents' reports for one environment must not interleave. Service events keep the environment as
 * subject, so consumers see one ordered stream per environment.
 *
 * Rules: a report older than the last applied one is ignored (not an error: agents retry and race);
 * a report that changes nothing records nothing; services beyond the quota are kept and flagged
 * `overQuota` (oldest services keep their place; new ones, by name, come last), but a report listing
 * more than {@link REPORT_QUOTA_FACTOR} times the quota is refused (`quota_exceeded`): one event per
 * reported or removed service stays bounded by the tenant's quota.
 */
export class RuntimeServiceInventory extends AggregateRoot<string, ServiceInventoryEvent> {
  private dirty = new Set<string>();

  private constructor(
    id: string,
    version: number,
    private readonly tenantId: string,
    private readonly projectId: string,
    private lastObservedAt: Date | null,
    private readonly services: Map<string, RuntimeService>,
  ) {
    super(id, version);
  }

  /** An environment's inventory before its first report. */
  static empty(ref: { environmentId: string; tenantId: string; projectId: string }): RuntimeServiceInventory {
    return new RuntimeServiceInventory(ref.environmentId, 0, ref.tenantId, ref.projectId, null, new Map());
  }

  static rehydrate(s: ServiceInventorySnapshot): RuntimeServiceInventory {
    const services = new Map(s.services.map((x) => [x.name, RuntimeService.rehydrate(x)]));
    return new RuntimeServiceInventory(s.environmentId, s.version, s.tenantId, s.projectId, s.lastObservedAt, services);
  }

  /**
   * Applies a full actual-state report: new services are observed, changed ones recorded with their
   * previous state, missing ones removed, and the quota re-evaluated.
   * @param maxServices the tenant's `maxServicesPerEnvironment`, or null when unknown (no limit).
   */
  applyReport(report: ActualStateReport, maxServices: number | null, now: Date): ReportOutcome {
    const observedAt = report.observedAt;
    if (!(observedAt instanceof Date) || Number.isNaN(observedAt.getTime())) {
      throw new DomainError('validation_failed', 'observedAt must be an RFC 3339 timestamp', { field: 'observedAt' });
    }
    if (observedAt.getTime() > now.getTime() + MAX_CLOCK_SKEW_MS) {
      throw new DomainError('validation_failed', 'observedAt lies more than 5 minutes in the future; check the agent\'s clock', { field: 'observedAt' });
    }
    if (report.services.length > MAX_SERVICES_PER_REPORT) {
      throw new DomainError('validation_failed', `a report may carry at most ${MAX_SERVICES_PER_REPORT} services`, { field: 'services' });
    }
    if (maxServices !== null && report.services.length > maxServices * REPORT_QUOTA_FACTOR) {
      const limit = maxServices * REPORT_QUOTA_FACTOR;
      throw new DomainError(
        'quota_exceeded',
        `the report lists ${report.services.length} services; with maxServicesPerEnvironment ${maxServices} a report may list at most ${limit} ` +
          '(services beyond the quota are kept and flagged overQuota up to as many again)',
        { quota: 'maxServicesPerEnvironment', limit: maxServices, reportLimit: limit, reported: report.services.length },
      );
    }
    const reported = report.services.map((r, i) => RuntimeService.validate(r, i));
    const names = new Set<string>();
    for (const [i, r] of reported.entries()) {
      if (names.has(r.name)) throw new DomainError('validation_failed', `service ${r.name} is reported twice`, { field: `services[${i}].name` });
      names.add(r.name);
    }
    if (this.lastObservedAt && observedAt.getTime() < this.lastObservedAt.getTime()) {
      return {
        applied: false,
        reason: `stale report: observed at ${observedAt.toISOString()}, but a report observed at ${this.lastObservedAt.toISOString()} was already applied`,
        lastObservedAt: this.lastObservedAt.toISOString(),
      };
    }

    const fresh = new Set<string>();
    const previous = new Map<string, ServiceStatePayload>();
    for (const r of reported) {
      const known = this.services.get(r.name);
      if (!known || known.removed) {
        this.services.set(r.name, RuntimeService.observe(r, observedAt));
        fresh.add(r.name);
      } else {
        const before = known.update(r, observedAt);
        if (before) previous.set(r.name, before);
      }
      this.dirty.add(r.name);
    }
    const removed: string[] = [];
    for (const svc of this.services.values()) {
      if (!svc.removed && !names.has(svc.name)) {
        svc.markRemoved(observedAt);
        removed.push(svc.name);
        this.dirty.add(svc.name);
      }
    }

    // Quota: the oldest live services keep their place; new ones queue behind them by name.
    const live = [...this.services.values()]
      .filter((s) => !s.removed)
      .sort((a, b) => a.firstObservedAt.getTime() - b.firstObservedAt.getTime() || a.name.localeCompare(b.name));
    const flagFlipped = new Set<string>();
    live.forEach((svc, i) => {
      if (svc.setOverQuota(maxServices !== null && i >= maxServices) && !fresh.has(svc.name)) flagFlipped.add(svc.name);
    });

    const ref = { tenantId: this.tenantId, projectId: this.projectId };
    const at = observedAt.toISOString();
    const observed: string[] = [];
    const changed: string[] = [];
    const unchanged: string[] = [];
    for (const name of [...names].sort()) {
      const svc = this.services.get(name)!;
      if (fresh.has(name)) {
        observed.push(name);
        this.record(new ServiceObserved(this.id, { ...ref, service: name, ...svc.state, observedAt: at, overQuota: svc.overQuota }, now));
      } else if (previous.has(name) || flagFlipped.has(name)) {
        changed.push(name);
        this.record(
          new ServiceChanged(this.id, { ...ref, service: name, ...svc.state, observedAt: at, overQuota: svc.overQuota, previous: previous.get(name) ?? svc.state }, now),
        );
      } else {
        unchanged.push(name);
      }
    }
    for (const name of removed.sort()) this.record(new ServiceRemoved(this.id, { ...ref, service: name, observedAt: at }, now));
    this.lastObservedAt = observedAt;
    return {
      applied: true,
      observed,
      changed,
      removed,
      unchanged,
      overQuota: live.filter((s) => s.overQuota).map((s) => s.name),
      liveServices: live.length,
      maxServicesPerEnvironment: maxServices,
    };
  }

  /**
   * The environment is gone: every live service is removed (ServiceRemoved each), whatever the last
   * report said, at the later of `at` and the last report. Returns the removed names (none twice).
   */
  clear(at: Date, now: Date): string[] {
    const when = this.lastObservedAt && this.lastObservedAt.getTime() > at.getTime() ? this.lastObservedAt : at;
    const removed = [...this.services.values()].filter((s) => !s.removed).map((s) => s.name).sort();
    for (const name of removed) {
      this.services.get(name)!.markRemoved(when);
      this.dirty.add(name);
      this.record(new ServiceRemoved(this.id, { tenantId: this.tenantId, projectId: this.projectId, service: name, observedAt: when.toISOString() }, now));
    }
    this.lastObservedAt = when;
    return removed;
  }

  /** Service rows touched since the last save (what the repository writes). */
  pendingServiceWrites(): RuntimeServiceSnapshot[] {
    return [...this.dirty].map((n) => this.services.get(n)!.snapshot());
  }

  override markPersisted(version: number): void {
    super.markPersisted(version);
    this.dirty.clear();
  }

  liveServices(): RuntimeServiceSnapshot[] {
    return [...this.services.values()].filter((s) => !s.removed).map((s) => s.snapshot());
  }

  snapshot(): ServiceInventorySnapshot {
    return {
      environmentId: this.id,
      tenantId: this.tenantId,
      projectId: this.projectId,
      lastObservedAt: this.lastObservedAt,
      version: this.version,
      services: [...this.services.values()].map((s) => s.snapshot()).sort((a, b) => a.name.localeCompare(b.name)),
    };
  }
}
