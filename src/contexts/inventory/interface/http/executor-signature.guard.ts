import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { ProblemException } from '@rcp/http';
import { RequestContexts } from '@rcp/observability';
import { RawBodyRequest } from '../../infrastructure/provisioning/executor-callback-raw-body';
import { basePathOf, verifyExecutorMessage } from '@rcp/executor';

/**
 * Authenticates an executor callback by its HMAC signature over timestamp, method, path and raw body
 * (the route is `@Public()`: executors hold the shared secret, not a JWT). The path checked is the
 * request target under `PUBLIC_BASE_URL`'s path, i.e. the `callbackUrl` the executor was given, so a
 * callback signed for one operation is refused on any other operation's URL. Runs before validation,
 * so an unsigned or forged request learns nothing but 401 (audited) and changes nothing. A verified
 * callback acts as the system (`executor`), with platform scope to find the operation's environment
 * whoever's it is.
 */
@Injectable()
export class ExecutorSignatureGuard implements CanActivate {
  private readonly basePath: string;

  constructor(@Inject(SETTINGS_TOKEN) private readonly settings: Settings) {
    this.basePath = basePathOf(settings.PUBLIC_BASE_URL);
  }

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<RawBodyRequest>();
    const check = verifyExecutorMessage(
      this.settings.EXECUTOR_SECRET,
      req.headers,
      { method: req.method, path: `${this.basePath}${req.url}`, body: req.rawBody },
      Math.floor(Date.now() / 1000),
    );
    if (!check.ok) throw new ProblemException('unauthenticated', `Executor callback refused: ${check.reason}`);
    RequestContexts.setActor({ sub: 'executor', kind: 'system', tenantId: null, roles: ['system'] });
    return true;
  }
}
