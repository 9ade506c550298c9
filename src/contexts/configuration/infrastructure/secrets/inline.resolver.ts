import { Injectable } from '@nestjs/common';
import { BindingToResolve, Resolvability, SecretResolverAdapter, resolvable, unresolvable } from '../../application/ports/secret-resolver.port';
import { SecretSealer } from '../../application/ports/secret-sealer.port';

/**
 * `inline` bindings: the control plane holds the value, sealed. Configured when inline values are
 * allowed and a master key is set; a binding resolves when the key it was sealed under is still known
 * (current or retired). Whether the envelope opens is proven only when a workload is materialized: a
 * check never opens it, so a check never has the value in memory.
 */
@Injectable()
export class InlineSecretResolver extends SecretResolverAdapter {
  readonly provider = 'inline' as const;

  constructor(private readonly sealer: SecretSealer) {
    super();
  }

  configured(): boolean {
    return this.sealer.enabled();
  }

  async check(binding: BindingToResolve): Promise<Resolvability> {
    if (!binding.sealed) return unresolvable('the inline value was removed');
    if (!this.sealer.knows(binding.sealed.keyId)) return unresolvable(`the master key ${binding.sealed.keyId} it was sealed under is no longer configured`);
    return resolvable();
  }
}
