import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The Prometheus registry of one process and the metrics an operator looks at first: HTTP latency,
 * outbox backlog and lag, relay throughput, deliveries by state, handler latency, jobs by state.
 * One registry per application instance (not prom-client's global), so several apps in one test process
 * never collide.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  readonly httpDuration = new Histogram({
    name: 'rcp_http_request_duration_seconds',
    help: 'HTTP request latency',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly outboxBacklog = new Gauge({ name: 'rcp_outbox_backlog', help: 'Committed events not yet claimed by the relay', registers: [this.registry] });
  readonly outboxOldestAge = new Gauge({ name: 'rcp_outbox_oldest_unclaimed_seconds', help: 'Age of the oldest unclaimed event', registers: [this.registry] });
  readonly relayEvents = new Counter({ name: 'rcp_relay_events_total', help: 'Events claimed and fanned out by the relay', registers: [this.registry] });
  /** Answers whether this process leads the relay right now (set by the relay). */
  private relayLeads: () => boolean = () => false;
  /**
   * Read from the relay at each scrape, never stored: a process that was frozen or cut off must not
   * report the leadership it had before (it would say 1 next to the real leader until it noticed).
   */
  readonly relayLeader: Gauge = new Gauge({
    name: 'rcp_relay_leader',
    help: '1 while this process holds the relay leader lock and its lease (renewed within RELAY_LEASE_MS)',
    registers: [this.registry],
    collect: (): void => this.relayLeader.set(this.relayLeads() ? 1 : 0),
  });
  readonly commitToHandler = new Histogram({
    name: 'rcp_event_commit_to_handler_seconds',
    help: 'Time from an event being recorded to its handler finishing',
    labelNames: ['handler'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers: [this.registry],
  });
  readonly deliveries = new Counter({ name: 'rcp_event_deliveries_total', help: 'Handler deliveries by outcome', labelNames: ['handler', 'outcome'], registers: [this.registry] });
  readonly deliveriesByState = new Gauge({ name: 'rcp_event_deliveries', help: 'Handler deliveries by state; held: waiting behind an earlier delivery of the same handler and aggregate', labelNames: ['state'], registers: [this.registry] });
  readonly jobsByState = new Gauge({ name: 'rcp_jobs', help: 'Jobs in the ledger by state', labelNames: ['state'], registers: [this.registry] });
  readonly jobRuns = new Counter({ name: 'rcp_job_runs_total', help: 'Job attempts by name and outcome', labelNames: ['name', 'outcome'], registers: [this.registry] });
  readonly retentionPruned = new Counter({
    name: 'rcp_retention_pruned_rows_total',
    help: 'Rows deleted by retention, by table (event_deliveries are dropped dead letters)',
    labelNames: ['table'],
    registers: [this.registry],
  });
  readonly retentionExported = new Counter({ name: 'rcp_retention_audit_exported_rows_total', help: 'Audit entries written to the export directory before pruning', registers: [this.registry] });
  readonly retentionFailures = new Counter({ name: 'rcp_retention_failures_total', help: 'Pruning rounds that failed, by table', labelNames: ['table'], registers: [this.registry] });
  readonly retentionLastRun = new Gauge({ name: 'rcp_retention_last_run_timestamp_seconds', help: 'When this process last finished a retention run (leader only)', registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** How the `rcp_relay_leader` gauge learns whether this process leads (the relay registers itself). */
  reportRelayLeader(leads: () => boolean): void {
    this.relayLeads = leads;
  }

  async render(): Promise<string> {
    return this.registry.metrics();
  }
}
