/**
 * The published, versioned form of a domain fact: what other contexts and other teams build against.
 * Each class lives in its context's `contracts/` folder and declares its CloudEvents type
 * (`rcp.<context>.<event-name>.v<N>`) and the JSON Schema of its `data` with `@PublishedEvent`.
 */
export interface EventMeta {
  id: string;
  type: string;
  source: string;
  subject: string;
  time: string;
  tenantid: string | null;
  projectid: string | null;
  moduleid: string;
  correlationid: string;
  causationid: string | null;
  traceparent: string;
  /** The kind of aggregate the subject is, e.g. `RuntimeEnvironment`. */
  aggregatetype: string;
  aggregateversion: number;
  /** Feed position, assigned by the relay when it claimed the event. */
  position?: number;
}

export abstract class IntegrationEvent<TData extends object = object> {
  /** Set on delivery: the envelope attributes of the stored event. */
  meta?: EventMeta;
  /**
   * When the domain fact happened (the domain event's `occurredAt`), set by the publish map; it becomes
   * the envelope's `time`, so a save that lags the change does not move the fact in time.
   */
  occurredAt?: Date;
  constructor(readonly data: TData) {}
}

/** CloudEvents 1.0 structured envelope with the RCP extensions. */
export interface CloudEventEnvelope<TData = unknown> {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  subject: string;
  time: string;
  datacontenttype: 'application/json';
  data: TData;
  tenantid?: string;
  projectid?: string;
  moduleid: string;
  traceparent: string;
  correlationid: string;
  causationid?: string;
  aggregatetype: string;
  aggregateversion: string;
}

export interface PublishedEventSpec {
  type: string;
  description: string;
  /** JSON Schema (draft 2020-12 subset) of `data`. */
  schema: Record<string, unknown>;
}

type EventClass = (new (data: never) => IntegrationEvent) & { prototype: IntegrationEvent };

interface CatalogueEntry extends PublishedEventSpec {
  context: string;
  cls: EventClass;
}

const TYPE_PATTERN = /^rcp\.([a-z]+)\.([a-z0-9]+(?:-[a-z0-9]+)*)\.v([1-9][0-9]*)$/;
const byType = new Map<string, CatalogueEntry>();
const byClass = new Map<unknown, CatalogueEntry>();

/** Declares an integration event's type and schema and adds it to the event catalogue. */
export function PublishedEvent(spec: PublishedEventSpec) {
  const m = TYPE_PATTERN.exec(spec.type);
  if (!m) throw new Error(`Event type ${spec.type} must look like rcp.<context>.<event-name>.v<N>`);
  return (cls: EventClass) => {
    const existing = byType.get(spec.type);
    if (existing && existing.cls !== cls) throw new Error(`Event type ${spec.type} is declared twice`);
    const entry = { ...spec, context: m[1], cls };
    byType.set(spec.type, entry);
    byClass.set(cls, entry);
  };
}

export const EventCatalogue = {
  ofClass(cls: unknown): CatalogueEntry {
    const e = byClass.get(cls);
    if (!e) throw new Error(`${(cls as { name?: string })?.name} is not a @PublishedEvent`);
    return e;
  },
  ofType(type: string): CatalogueEntry | undefined {
    return byType.get(type);
  },
  all(): CatalogueEntry[] {
    return [...byType.values()].sort((a, b) => a.type.localeCompare(b.type));
  },
  /** Rebuilds the typed event a handler receives from a stored envelope. */
  materialize(envelope: CloudEventEnvelope, position?: number): IntegrationEvent | undefined {
    const entry = byType.get(envelope.type);
    if (!entry) return undefined;
    const event = new entry.cls(envelope.data as never);
    event.meta = {
      id: envelope.id,
      type: envelope.type,
      source: envelope.source,
      subject: envelope.subject,
      time: envelope.time,
      tenantid: envelope.tenantid ?? null,
      projectid: envelope.projectid ?? null,
      moduleid: envelope.moduleid,
      correlationid: envelope.correlationid,
      causationid: envelope.causationid ?? null,
      traceparent: envelope.traceparent,
      aggregatetype: envelope.aggregatetype,
      aggregateversion: Number(envelope.aggregateversion),
      position,
    };
    return event;
  },
};

/**
 * A filter of event types: one type with its version (`rcp.inventory.environment-ready.v1`), or a prefix
 * ending in `.*` of whole name segments (`rcp.*`, `rcp.inventory.*`, `rcp.inventory.environment-ready.*`).
 * A versionless type is neither, and is refused rather than matching nothing.
 */
export const EVENT_TYPE_FILTER = /^rcp\.(?:\*|[a-z]+\.(?:\*|[a-z0-9]+(?:-[a-z0-9]+)*\.(?:\*|v[1-9][0-9]*)))$/;
export const EVENT_TYPE_FILTER_MESSAGE =
  'must be an event type with its version, such as rcp.inventory.environment-ready.v1, or a prefix ending in .*, such as rcp.inventory.*';

/** Does a type match a subscription filter (`rcp.inventory.environment-ready.v1` or `rcp.inventory.*`)? */
export function typeMatches(filter: string, type: string): boolean {
  if (filter === '*' || filter === type) return true;
  return filter.endsWith('.*') && type.startsWith(filter.slice(0, -1));
}
