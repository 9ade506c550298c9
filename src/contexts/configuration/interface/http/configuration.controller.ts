import { Body, Controller, Delete, Get, Param, Post, Query } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Authorize, CurrentActor, Mutation, TENANT_READERS, TENANT_WRITERS } from '@rcp/auth';
import { AccessScope } from '@rcp/ddd';
import { ApiProblems, IfMatchVersion, Page, PositiveIntParam, UuidParam } from '@rcp/http';
import { Actor } from '@rcp/observability';
import { CheckSecretBindingCommand } from '../../application/commands/check-secret-binding/check-secret-binding.command';
import { CreateSecretBindingCommand } from '../../application/commands/create-secret-binding/create-secret-binding.command';
import { PublishConfigVersionCommand } from '../../application/commands/publish-config-version/publish-config-version.command';
import { RemoveSecretBindingCommand } from '../../application/commands/remove-secret-binding/remove-secret-binding.command';
import { ConfigDiffView, ConfigVersionView, PublishedConfigVersionView, SecretBindingView } from '../../application/configuration.views';
import { DiffConfigVersionsQuery } from '../../application/queries/diff-config-versions/diff-config-versions.query';
import { GetConfigVersionQuery } from '../../application/queries/get-config-version/get-config-version.query';
import { GetSecretBindingQuery } from '../../application/queries/get-secret-binding/get-secret-binding.query';
import { CONFIG_VERSIONS_KEYSET, ListConfigVersionsQuery } from '../../application/queries/list-config-versions/list-config-versions.query';
import { ListSecretBindingsQuery, SECRET_BINDINGS_KEYSET } from '../../application/queries/list-secret-bindings/list-secret-bindings.query';
import { CreateSecretBindingRequest, DiffConfigVersionsRequest, ListConfigVersionsRequest, ListSecretBindingsRequest, PublishConfigVersionRequest, ServiceQuery } from './configuration.request';
import {
  ConfigDiffResponse,
  ConfigVersionPageResponse,
  ConfigVersionResponse,
  PublishedConfigVersionResponse,
  SecretBindingPageResponse,
  SecretBindingResponse,
} from './configuration.response';

const ID_PARAM = { name: 'id', format: 'uuid', description: 'Environment id' };
const VERSION_PARAM = { name: 'n', type: 'integer', description: 'Version number (1, 2, …)' } as const;
const NAME_PARAM = { name: 'name', description: 'Secret binding name' };

/** What the token may reach beyond its tenant: `project_ids` narrows it to those projects. */
const scopeOf = (actor: Actor): AccessScope => ({ projectIds: actor.projectIds });

/**
 * Versioned runtime configuration and secret bindings of the caller's environments. Another tenant's
 * environment, and for a token with `project_ids` another project's, is a 404.
 */
@ApiTags('Configuration')
@Controller('v1/environments/:id')
export class ConfigurationController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post('config-versions')
  @Mutation({
    roles: TENANT_WRITERS,
    command: PublishConfigVersionCommand,
    status: 201,
    param: ID_PARAM,
    response: { type: PublishedConfigVersionResponse, description: 'The version: new (`created: true`), or the latest when the content equals it' },
    location: '/v1/environments/:environmentId/config-versions/:version?service=:service',
    problems: ['validation_failed', 'forbidden', 'not_found', 'tenant_suspended', 'tenant_offboarded', 'precondition_failed', 'secret_value_forbidden', 'concurrent_modification', 'idempotency_key_reused', 'idempotency_in_progress'],
  })
  @ApiOperation({
    summary: 'Publish a configuration version',
    description:
      'Publishes `entries` and `secretRefs` as the next immutable version (1, 2, …) of the service\'s configuration in the environment, with a ' +
      '`checksum` (sha256 of the canonical JSON of `{ entries, secretRefs }`). The same content as the latest version answers that version ' +
      '(`created: false`) and publishes nothing. An entry that looks like a secret (a key such as *PASSWORD*, *SECRET*, *TOKEN*, *API_KEY*, ' +
      '*PRIVATE_KEY* or ending in KEY; a value such as a PEM private key, a JWT, a URL or connection string with a password, a cloud access key ' +
      'or API token) is refused with 422 secret_value_forbidden naming the key, never the value. Every name in `secretRefs` must be a binding ' +
      'of the environment (409 precondition_failed). Over 1,000 entries or a value over 32 KiB: 400. An environment decommissioning or ' +
      'decommissioned: 409 precondition_failed.',
  })
  publish(@Param('id', UuidParam) id: string, @Body() body: PublishConfigVersionRequest, @CurrentActor() actor: Actor): Promise<PublishedConfigVersionView> {
    return this.commands.execute(new PublishConfigVersionCommand(id, body.service, body.entries, body.secretRefs ?? [], actor.sub, scopeOf(actor)));
  }

  @Get('config-versions')
  @Authorize(TENANT_READERS)
  @ApiOperation({ summary: 'List the configuration versions of a service', description: 'Newest first.' })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ type: ConfigVersionPageResponse, description: 'One page of versions' })
  @ApiProblems('validation_failed', 'not_found', 'forbidden', 'tenant_offboarded')
  listVersions(@Param('id', UuidParam) id: string, @Query() q: ListConfigVersionsRequest, @CurrentActor() actor: Actor): Promise<Page<ConfigVersionView>> {
    const { limit, after } = CONFIG_VERSIONS_KEYSET.read(q);
    return this.queries.execute(new ListConfigVersionsQuery(id, q.service, limit, after?.n, scopeOf(actor)));
  }

  @Get('config-versions/:n')
  @Authorize(TENANT_READERS)
  @ApiOperation({ summary: 'Get a configuration version', description: 'One immutable version of the service\'s configuration: entries, secretRefs, checksum, author and time; ETag is its number.' })
  @ApiParam(ID_PARAM)
  @ApiParam(VERSION_PARAM)
  @ApiOkResponse({ type: ConfigVersionResponse, description: 'The version' })
  @ApiProblems('validation_failed', 'not_found', 'forbidden', 'tenant_offboarded')
  getVersion(@Param('id', UuidParam) id: string, @Param('n', PositiveIntParam) n: number, @Query() q: ServiceQuery, @CurrentActor() actor: Actor): Promise<ConfigVersionView> {
    return this.queries.execute(new GetConfigVersionQuery(id, q.service, n, scopeOf(actor)));
  }

  @Get('config-versions/:n/diff')
  @Authorize(TENANT_READERS)
  @ApiOperation({ summary: 'Compare two configuration versions', description: 'What changed from version `from` to version `n`: keys added, removed and changed (with their values), and bindings added and removed.' })
  @ApiParam(ID_PARAM)
  @ApiParam(VERSION_PARAM)
  @ApiOkResponse({ type: ConfigDiffResponse, description: 'The difference' })
  @ApiProblems('validation_failed', 'not_found', 'forbidden', 'tenant_offboarded')
  diff(@Param('id', UuidParam) id: string, @Param('n', PositiveIntParam) n: number, @Query() q: DiffConfigVersionsRequest, @CurrentActor() actor: Actor): Promise<ConfigDiffView> {
    return this.queries.execute(new DiffConfigVersionsQuery(id, q.service, q.from, n, scopeOf(actor)));
  }

  @Post('secret-bindings')
  @Mutation({
    roles: ['tenant:admin'],
    command: CreateSecretBindingCommand,
    status: 201,
    param: ID_PARAM,
    response: { type: SecretBindingResponse, description: 'The binding, with the outcome of its first check' },
    location: '/v1/environments/:environmentId/secret-bindings/:name',
    problems: ['validation_failed', 'forbidden', 'not_found', 'tenant_suspended', 'tenant_offboarded', 'precondition_failed', 'concurrent_modification', 'idempotency_key_reused', 'idempotency_in_progress'],
  })
  @ApiOperation({
    summary: 'Bind a secret',
    description:
      'Binds `name` in the environment to a vault secret by reference (`azure-key-vault`: `https://<vault>.vault.azure.net/secrets/<name>[/<version>]` ' +
      'on a host of AZURE_KEY_VAULT_HOSTS; `hashicorp-vault`: `vault://<mount>/<path>#<key>`) with the `identity` that may read it, or, where ' +
      'SECRETS_INLINE_ALLOWED=true, to an `inline` `value` that is sealed at rest (AES-256-GCM, envelope encryption) and never returned, logged ' +
      'or published. The vault is checked at once (the value is never read into the answer): `status` is `resolvable`, or `unresolvable` with the ' +
      'reason, including when the provider is not configured on the control plane (fail closed). A malformed reference or one on another host: ' +
      '400. A name taken by a live binding, inline values disabled, an environment going away: 409 precondition_failed. Tenant admins only.',
  })
  createBinding(@Param('id', UuidParam) id: string, @Body() body: CreateSecretBindingRequest, @CurrentActor() actor: Actor): Promise<SecretBindingView> {
    return this.commands.execute(
      new CreateSecretBindingCommand(
        { environmentId: id, name: body.name, provider: body.provider, reference: body.reference ?? null, identity: body.identity ?? null, value: body.value ?? null },
        actor.sub,
        scopeOf(actor),
      ),
    );
  }

  @Get('secret-bindings')
  @Authorize(TENANT_READERS)
  @ApiOperation({ summary: 'List the secret bindings of an environment', description: 'Live bindings in creation order; never a value.' })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ type: SecretBindingPageResponse, description: 'One page of bindings' })
  @ApiProblems('validation_failed', 'not_found', 'forbidden', 'tenant_offboarded')
  listBindings(@Param('id', UuidParam) id: string, @Query() q: ListSecretBindingsRequest, @CurrentActor() actor: Actor): Promise<Page<SecretBindingView>> {
    const { limit, after } = SECRET_BINDINGS_KEYSET.read(q);
    return this.queries.execute(new ListSecretBindingsQuery(id, limit, after, scopeOf(actor)));
  }

  @Get('secret-bindings/:name')
  @Authorize(TENANT_READERS)
  @ApiOperation({ summary: 'Get a secret binding', description: 'A live binding by name: provider, reference, identity and the last check\'s status; never a value.' })
  @ApiParam(ID_PARAM)
  @ApiParam(NAME_PARAM)
  @ApiOkResponse({ type: SecretBindingResponse, description: 'The binding; ETag carries its version' })
  @ApiProblems('not_found', 'forbidden', 'tenant_offboarded')
  getBinding(@Param('id', UuidParam) id: string, @Param('name') name: string, @CurrentActor() actor: Actor): Promise<SecretBindingView> {
    return this.queries.execute(new GetSecretBindingQuery(id, name, scopeOf(actor)));
  }

  @Post('secret-bindings/:name/check')
  @Mutation({
    roles: TENANT_WRITERS,
    command: CheckSecretBindingCommand,
    status: 200,
    param: NAME_PARAM,
    response: { type: SecretBindingResponse, description: 'The binding with the outcome of this check' },
    problems: ['not_found', 'forbidden', 'tenant_suspended', 'tenant_offboarded', 'concurrent_modification'],
  })
  @ApiOperation({
    summary: 'Check a secret binding',
    description:
      'The pre-flight: asks the vault whether the reference exists and can be read (the value is never returned), and records the outcome: ' +
      '`status`, `reason`, `checkedAt`. A change of status publishes rcp.configuration.secret-binding-resolvability-changed.v1.',
  })
  @ApiParam(ID_PARAM)
  checkBinding(@Param('id', UuidParam) id: string, @Param('name') name: string, @CurrentActor() actor: Actor): Promise<SecretBindingView> {
    return this.commands.execute(new CheckSecretBindingCommand(id, name, scopeOf(actor)));
  }

  @Delete('secret-bindings/:name')
  @Mutation({
    roles: ['tenant:admin'],
    command: RemoveSecretBindingCommand,
    status: 200,
    param: NAME_PARAM,
    ifMatch: true,
    response: { type: SecretBindingResponse, description: 'The binding as removed (an inline value is wiped)' },
    problems: ['not_found', 'forbidden', 'tenant_suspended', 'tenant_offboarded', 'version_conflict', 'concurrent_modification'],
  })
  @ApiOperation({ summary: 'Remove a secret binding', description: 'Removes the live binding of that name; its name is free again. Tenant admins only.' })
  @ApiParam(ID_PARAM)
  removeBinding(@Param('id', UuidParam) id: string, @Param('name') name: string, @CurrentActor() actor: Actor, @IfMatchVersion() expected?: number): Promise<SecretBindingView> {
    return this.commands.execute(new RemoveSecretBindingCommand(id, name, expected, scopeOf(actor)));
  }
}
