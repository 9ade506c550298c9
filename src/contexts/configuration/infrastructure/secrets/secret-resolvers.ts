import { Inject, Injectable, Logger } from '@nestjs/common';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { BindingToResolve, Resolvability, SecretProvider, SecretResolver, SecretResolverAdapter, unresolvable } from '../../application/ports/secret-resolver.port';

/** Nest token of the list of provider adapters. */
export const SECRET_RESOLVER_ADAPTERS = Symbol('SECRET_RESOLVER_ADAPTERS');

/**
 * The `SecretResolver` port over one adapter per provider. It fails closed: a provider without an
 * adapter or without its settings is `unresolvable` without a call; an adapter that throws or takes
 * longer than `SECRETS_CHECK_TIMEOUT_MS` is `unresolvable` with a fixed reason (its error is logged by
 * class only: a vault's message may echo a path or a token).
 */
@Injectable()
export class SecretResolvers extends SecretResolver {
  private readonly log = new Logger('SecretResolvers');
  private readonly byProvider: Map<SecretProvider, SecretResolverAdapter>;

  constructor(
    @Inject(SECRET_RESOLVER_ADAPTERS) adapters: SecretResolverAdapter[],
    @Inject(SETTINGS_TOKEN) private readonly settings: Settings,
  ) {
    super();
    this.byProvider = new Map(adapters.map((a) => [a.provider, a]));
  }

  configured(provider: SecretProvider): boolean {
    return this.byProvider.get(provider)?.configured() ?? false;
  }

  async check(binding: BindingToResolve): Promise<Resolvability> {
    const adapter = this.byProvider.get(binding.provider);
    if (!adapter || !adapter.configured()) return unresolvable(`${binding.provider} is not configured on the control plane`);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<Resolvability>((resolve) => {
      timer = setTimeout(() => resolve(unresolvable('the vault did not answer in time')), this.settings.SECRETS_CHECK_TIMEOUT_MS);
    });
    try {
      return await Promise.race([adapter.check(binding), timeout]);
    } catch (err) {
      this.log.warn(`The ${binding.provider} check of binding ${binding.name} failed (${(err as Error)?.name ?? 'error'})`);
      return unresolvable('the vault check failed');
    } finally {
      clearTimeout(timer);
    }
  }
}
