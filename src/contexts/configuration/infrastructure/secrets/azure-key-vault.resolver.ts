import { Inject, Injectable, Logger } from '@nestjs/common';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { ClientSecretCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { Agent } from 'node:https';
import { rootCertificates } from 'node:tls';
import { BindingToResolve, Resolvability, SecretResolverAdapter, resolvable, unresolvable } from '../../application/ports/secret-resolver.port';
import { parseKeyVaultReference } from '../../domain/secret-binding-reference';
import { isCertificateError, secretsCa, UNTRUSTED_CERTIFICATE } from './vault-tls';

/** What a refusal of Key Vault (or of Entra ID on the way) becomes for the tenant: a fixed phrase, never the service's words. */
function refusal(err: unknown): Resolvability {
  const e = err as { statusCode?: number; code?: string; name?: string };
  if (['AuthenticationError', 'AuthenticationRequiredError', 'CredentialUnavailableError'].includes(e?.name ?? '') || e?.statusCode === 401) return unresolvable('the control plane could not authenticate to Key Vault');
  if (e?.statusCode === 404) return unresolvable('the secret does not exist in the vault');
  if (e?.statusCode === 403) return unresolvable('the control plane may not read this secret (403)');
  if (typeof e?.statusCode === 'number') return unresolvable(`the vault answered with an error (${e.statusCode})`);
  if (e?.name === 'AbortError' || e?.code === 'ETIMEDOUT') return unresolvable('the vault did not answer in time');
  if (isCertificateError(err)) return unresolvable(UNTRUSTED_CERTIFICATE);
  return unresolvable('the vault is unreachable');
}

/**
 * `azure-key-vault` bindings (`https://<vault>.vault.azure.net/secrets/<name>[/<version>]`), checked with
 * the vendor's clients: `@azure/keyvault-secrets` with the control plane's own Entra ID credential
 * (`@azure/identity`, AZURE_TENANT_ID / AZURE_CLIENT_ID / AZURE_CLIENT_SECRET, AZURE_AUTHORITY_HOST). The
 * check gets the secret (the value is dropped at once) to prove it exists, is enabled and can be read.
 * It runs with the control plane's identity: whether the binding's `identity` (the workload's managed
 * identity) has an access policy or role assignment on the vault is not visible with that credential,
 * so it is not claimed; the workload's first read proves it.
 *
 * Requests go to the reference's host, or to AZURE_KEY_VAULT_CONNECT_TO (`host:port`, a private endpoint
 * without private DNS, or a proxy), with TLS still verified for the vault's name; SECRETS_CA_FILE adds
 * trusted authorities.
 */
@Injectable()
export class AzureKeyVaultResolver extends SecretResolverAdapter {
  readonly provider = 'azure-key-vault' as const;
  private readonly log = new Logger('AzureKeyVaultResolver');
  private credential?: ClientSecretCredential;
  private readonly clients = new Map<string, SecretClient>();
  private agent?: Agent;

  constructor(@Inject(SETTINGS_TOKEN) private readonly settings: Settings) {
    super();
  }

  configured(): boolean {
    return Boolean(this.settings.AZURE_TENANT_ID && this.settings.AZURE_CLIENT_ID && this.settings.AZURE_CLIENT_SECRET);
  }

  async check(binding: BindingToResolve): Promise<Resolvability> {
    const ref = parseKeyVaultReference(binding.reference ?? '', this.settings.AZURE_KEY_VAULT_HOSTS.split(','));
    const abort = AbortSignal.timeout(this.settings.SECRETS_CHECK_TIMEOUT_MS);
    try {
      const secret = await this.client(ref.vaultUrl).getSecret(ref.secretName, { version: ref.version ?? undefined, abortSignal: abort });
      const enabled = secret.properties.enabled !== false;
      return enabled ? resolvable() : unresolvable('the secret is disabled in the vault');
    } catch (err) {
      const result = abort.aborted ? unresolvable('the vault did not answer in time') : refusal(err);
      this.log.log(`azure-key-vault binding ${binding.name}: ${result.reason}`);
      return result;
    }
  }

  private client(vaultUrl: string): SecretClient {
    let client = this.clients.get(vaultUrl);
    if (!client) {
      client = new SecretClient(vaultUrl, this.credentialOf(), { additionalPolicies: this.policies(), retryOptions: { maxRetries: 0 } });
      this.clients.set(vaultUrl, client);
    }
    return client;
  }

  private credentialOf(): ClientSecretCredential {
    this.credential ??= new ClientSecretCredential(this.settings.AZURE_TENANT_ID, this.settings.AZURE_CLIENT_ID, this.settings.AZURE_CLIENT_SECRET, {
      authorityHost: this.settings.AZURE_AUTHORITY_HOST,
      // The authority is ours to configure (sovereign and private clouds included): no discovery call to Microsoft's global one.
      disableInstanceDiscovery: true,
      additionalPolicies: this.policies(),
      retryOptions: { maxRetries: 0 },
    });
    return this.credential;
  }

  /** Every request through one agent: the extra authorities of SECRETS_CA_FILE, and Key Vault requests to AZURE_KEY_VAULT_CONNECT_TO. */
  private policies(): Array<{ policy: PipelinePolicy; position: 'perCall' }> {
    const ca = secretsCa(this.settings.SECRETS_CA_FILE);
    const connectTo = this.settings.AZURE_KEY_VAULT_CONNECT_TO;
    if (!ca && !connectTo) return [];
    this.agent ??= connectToAgent(ca, connectTo, this.settings.AZURE_KEY_VAULT_HOSTS.split(','));
    const agent = this.agent;
    return [{ position: 'perCall', policy: { name: 'rcpSecretsTransport', sendRequest: (request, next) => next(Object.assign(request, { agent })) } }];
  }
}

/**
 * An https agent that trusts `ca` besides the system's authorities and connects requests for a Key
 * Vault host to `connectTo` (`host:port`) instead of resolving it, keeping the vault's name for SNI and
 * certificate checks (as curl's --connect-to does). Other hosts (Entra ID) are connected as named.
 */
function connectToAgent(ca: string | undefined, connectTo: string, vaultHosts: string[]): Agent {
  const [host, port] = connectTo ? [connectTo.slice(0, connectTo.lastIndexOf(':')), Number(connectTo.slice(connectTo.lastIndexOf(':') + 1))] : [];
  const isVault = (name: string) => vaultHosts.some((p) => (p.trim().startsWith('*.') ? name.endsWith(p.trim().slice(1)) : name === p.trim()));
  const agent = new Agent({ keepAlive: true, ...(ca ? { ca: [...rootCertificates, ca] } : {}) });
  if (host) {
    const original = agent.createConnection.bind(agent);
    agent.createConnection = ((options: { host?: string; port?: number; servername?: string }, cb: unknown) => {
      const name = options.servername ?? options.host ?? '';
      return isVault(name) ? original({ ...options, host, port, servername: name } as never, cb as never) : original(options as never, cb as never);
    }) as typeof agent.createConnection;
  }
  return agent;
}
