import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import type { DestinationStream } from 'pino';
import { DataSource } from 'typeorm';
import { bearerToken, TokenVerifier } from '@rcp/auth';
import { Settings } from '@rcp/config';
import {
  EtagInterceptor,
  IdempotencyInterceptor,
  IpRateLimit,
  ProblemDto,
  ProblemFilter,
  TokenRateLimitGuard,
  createValidationPipe,
  tokenTracker,
  documentApiConventions,
  problemOf,
  registerJsonBodyParser,
} from '@rcp/http';
import {
  MetricsService,
  PinoNestLogger,
  RequestContexts,
  acceptCorrelationId,
  createRootLogger,
  endRequestTrace,
  requestTrace,
} from '@rcp/observability';
import { AuditWriter, dataSourceOptions, databaseUrls, ensureDatabase, runMigrations, setRuntimeLoginPasswords } from '@rcp/persistence';
import { MIGRATIONS } from '../migrations';
import { AppModule, AppModuleImport } from './app.module';
import { WorkerRuntime } from './platform/worker-runtime';

const OPS_PATHS = new Set(['/healthz', '/readyz', '/metrics', '/version']);

/**
 * Timeouts against slow clients (a body or headers trickled in byte by byte would hold a connection for
 * ever): the whole request within `requestTimeoutMs`, its headers within 10 s at most, and a connection
 * silent both ways for 60 s (or twice `requestTimeoutMs`, when longer) is closed; that is longer than
 * the longest long poll (30 s). Node checks them once a second (its default is every 30 s).
 */
export function httpTimeouts(requestTimeoutMs: number) {
  return {
    requestTimeout: requestTimeoutMs,
    connectionTimeout: Math.max(60_000, 2 * requestTimeoutMs),
    http: { headersTimeout: Math.min(requestTimeoutMs, 10_000), connectionsCheckingInterval: Math.min(1000, Math.max(100, Math.floor(requestTimeoutMs / 4))) },
  };
}

/**
 * Swagger UI under /docs runs only its own files from this server: no inline or foreign script, no
 * framing (clickjacking), calls to this origin only. Its stylesheet and the page use inline styles.
 */
const DOCS_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Headers of every response: no MIME sniffing, and nothing stored by a cache (responses are per token
 * and per tenant) unless the handler chose a caching policy itself (Swagger UI's static files).
 */
export function securityHeaders(path: string, hasCacheControl: boolean): Record<string, string> {
  const headers: Record<string, string> = { 'x-content-type-options': 'nosniff' };
  if (!hasCacheControl) headers['cache-control'] = 'no-store';
  if (path === '/docs' || path.startsWith('/docs/')) {
    headers['content-security-policy'] = DOCS_CSP;
    headers['x-frame-options'] = 'DENY';
  }
  return headers;
}

/**
 * As the database owner: creates the database if missing, applies pending migrations (under an advisory
 * lock) and sets the runtime logins' passwords from their URLs. The owner's connection is closed after.
 */
export async function prepareDatabase(settings: Settings): Promise<string[]> {
  await ensureDatabase(settings.DATABASE_URL);
  const ds = new DataSource(dataSourceOptions(settings.DATABASE_URL, 2, MIGRATIONS));
  await ds.initialize();
  try {
    return await runMigrations(ds, (owner) => setRuntimeLoginPasswords(owner, databaseUrls(settings)));
  } finally {
    await ds.destroy();
  }
}

/**
 * The tags operations are grouped by (`@ApiTags`), declared once at the top of the document. Only contexts
 * that serve endpoints are listed: an empty group in Swagger UI would promise an API that is not there.
 */
const API_TAGS: Array<[string, string]> = [
  ['Tenancy', 'Tenant bindings: isolation mode, placement, quotas and lifecycle'],
  ['Inventory', 'Runtime environments and the live inventory of their services'],
  ['Configuration', 'Versioned runtime configuration and secret bindings (vault references, never values)'],
  ['Health', 'Service health with hysteresis, scaling policies and their decisions'],
  ['Deployment', 'Health-gated, reversible rollouts: rolling, blue-green and canary, promotion, automatic and manual rollback'],
  ['Drift', 'Desired state from Git, scheduled and event-driven reconciliation, deduplicated findings with evidence, remediation by corrective deployments'],
  ['Agents', 'Runtime agents: one-time enrollment, agent keys, short-lived agent tokens, capabilities'],
  ['Events', 'The event feed and the catalogue of event types'],
  ['Operations', 'Health, readiness, build info, background jobs, event deliveries and the audit log'],
];

/** The OpenAPI 3 document of every controller in the application's module graph. */
export function buildOpenApi(app: INestApplication) {
  const config = new DocumentBuilder()
    .setTitle('Runtime Control Plane API')
    .setDescription(
      'Onboard tenants with an isolation mode, a placement and quotas; provision isolated runtime environments for them ' +
        'and keep the live inventory of their services from agents\' reports (agents enroll themselves with a one-time token); ' +
        'publish versioned configuration and bind vault secrets; follow service health and scale within policies; read the ' +
        'tenant\'s events (a CloudEvents feed and its AsyncAPI catalogue), background jobs and the audit log; roll releases out ' +
        'with canary, blue-green or rolling strategies, verified against health gates and rolled back by themselves; reconcile ' +
        'what runs against the desired state Git declares, with deduplicated drift findings and remediation by corrective deployments; ' +
        'subscribe webhooks to events. Errors are RFC 9457 problem documents (application/problem+json) ' +
        'with a stable `code`. Mutations honour `Idempotency-Key` and `If-Match`.',
    )
    .setVersion('1.0.0')
    .setContact('RCP platform team', 'https://rcp.dev', 'platform@rcp.dev')
    .setLicense('Proprietary', 'https://rcp.dev/license')
    .addServer('/', 'This control plane')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A JWT from your identity provider or `npm run token`' }, 'bearer')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'rcpet_…', description: 'A one-time agent enrollment token (POST /v1/environments/{id}/agent-enrollments)' }, 'agent-enrollment-token')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'rcpak_…', description: 'An agent key (POST /v1/agent-enrollments/redeem)' }, 'agent-key');
  for (const [name, description] of API_TAGS) config.addTag(name, description);
  const document = SwaggerModule.createDocument(app, config.build(), {
    extraModels: [ProblemDto],
    operationIdFactory: (c, m) => `${c.replace(/Controller$/, '')}_${m}`,
  });
  return documentApiConventions(document);
}

/**
 * Builds the application for the configured role. Used by `main.ts` and by the e2e tests, so the
 * tests exercise exactly what `npm start` runs. `extraModules` (tests only) are added to the module graph;
 * `logDestination` (tests only) receives the log lines instead of stdout.
 */
export async function createApp(
  settings: Settings,
  opts: { migrate?: boolean; extraModules?: AppModuleImport[]; logDestination?: DestinationStream } = {},
): Promise<NestFastifyApplication> {
  if (opts.migrate !== false) await prepareDatabase(settings);
  const logger = createRootLogger(settings.LOG_LEVEL, opts.logDestination);
  const adapter = new FastifyAdapter({
    bodyLimit: settings.BODY_LIMIT_BYTES,
    trustProxy: settings.TRUST_PROXY === 'true' ? true : settings.TRUST_PROXY === 'false' ? false : settings.TRUST_PROXY,
    return503OnClosing: true,
    ...httpTimeouts(settings.HTTP_REQUEST_TIMEOUT_MS),
  });
  // bodyParser off: the one JSON parser is ours (depth-limited, registered below); other media types are 415.
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(settings, opts.extraModules), adapter, {
    logger: new PinoNestLogger(logger),
    abortOnError: false,
    bodyParser: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  registerJsonBodyParser(fastify, settings.BODY_LIMIT_BYTES);
  const metrics = app.get(MetricsService);
  const ipRateLimit = app.get(IpRateLimit);
  const tokens = app.get(TokenVerifier);
  const workerOnly = settings.RCP_ROLE === 'worker';

  // Runs before the body is read: the worker-only refusal and the per-IP rate limit cost no parsing.
  fastify.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
    const correlationId = acceptCorrelationId(req.headers['x-correlation-id']);
    const path = req.url.split('?')[0];
    // With tracing on, the request's server span (continuing the caller's traceparent); else the header as is, or a new trace.
    const { traceparent, span } = requestTrace(req.headers.traceparent, req.method, path, !OPS_PATHS.has(path));
    reply.header('x-correlation-id', correlationId);
    reply.header('traceparent', traceparent);
    Object.assign(req, { startedAt: process.hrtime.bigint(), span });
    const traceId = traceparent.split('-')[1];
    if (workerOnly && !OPS_PATHS.has(path)) {
      const problem = problemOf('not_found', 'This process runs the worker role only; send API calls to an api replica', path, traceId);
      reply.status(404).header('content-type', 'application/problem+json').send(problem);
      return;
    }
    // A token this process verified before names its subject now, so both limits are counted in one
    // Redis round trip; the guard still authenticates the request and judges the per-token count.
    const token = bearerToken(req.headers.authorization);
    const known = token ? tokens.peek(token) : undefined;
    ipRateLimit.check(req.ip, path, known && tokenTracker(known)).then(
      ({ headers, refusal, counted }) => {
        reply.headers(headers);
        if (refusal) {
          reply.status(429).header('content-type', 'application/problem+json; charset=utf-8').send(problemOf('rate_limited', refusal, path, traceId, { correlationId }));
          return;
        }
        RequestContexts.run({ correlationId, traceparent, span, ip: req.ip, method: req.method, path, countedRateLimitHits: counted }, () => done());
      },
      (err: Error) => done(err),
    );
  });
  fastify.addHook('onSend', (req: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: Error | null, payload?: unknown) => void) => {
    reply.headers(securityHeaders(req.url.split('?')[0], reply.hasHeader('cache-control')));
    done(null, payload);
  });
  fastify.addHook('onResponse', (req: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const started = (req as FastifyRequest & { startedAt?: bigint }).startedAt;
    const seconds = started ? Number(process.hrtime.bigint() - started) / 1e9 : 0;
    const route = (req.routeOptions?.url as string | undefined) ?? 'unmatched';
    metrics.httpDuration.observe({ method: req.method, route, status: String(reply.statusCode) }, seconds);
    endRequestTrace((req as FastifyRequest & { span?: unknown }).span, req.method, req.routeOptions?.url as string | undefined, reply.statusCode);
    if (route !== '/metrics' && route !== '/healthz') {
      logger.info(
        { req: { method: req.method, url: req.url.split('?')[0], route }, res: { statusCode: reply.statusCode }, durationMs: Math.round(seconds * 1e4) / 10 },
        'request completed',
      );
    }
    done();
  });

  // A request refused before the guard ran (a body that is not JSON, the per-IP limit) is still
  // audited under the actor its valid bearer token names.
  app.useGlobalFilters(new ProblemFilter(app.get(AuditWriter), (req) => tokens.identify(req.headers.authorization)));
  app.useGlobalPipes(createValidationPipe());
  // Request pipeline: per-IP rate limit (the onRequest hook above, before the body is read) → JSON body
  // (depth-limited) → authentication and authorization (APP_GUARD of AuthModule) → per-token rate limit
  // (guards added here run after every APP_GUARD) → Idempotency-Key (outermost interceptor, so it
  // records the ETag) → ETag → handler.
  app.useGlobalGuards(app.get(TokenRateLimitGuard));
  app.useGlobalInterceptors(app.get(IdempotencyInterceptor), new EtagInterceptor());
  app.enableShutdownHooks();

  if (!workerOnly) {
    const document = buildOpenApi(app);
    SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', swaggerOptions: { persistAuthorization: false } });
  }
  await app.init();
  const runtime = app.get(WorkerRuntime);
  runtime.startGauges();
  if (settings.RCP_ROLE !== 'api') runtime.startWorker();
  return app;
}
