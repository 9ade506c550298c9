import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsOptional, IsString, Matches, MaxLength, Min, MinLength, ValidateBy, ValidationOptions } from 'class-validator';
import { PageQuery } from '@rcp/http';
import { BINDING_NAME_PATTERN, SERVICE_NAME_PATTERN } from '../../domain/runtime-config-content';
import { SECRET_PROVIDERS, SecretProvider } from '../../domain/secret-binding-reference';

/** An object whose values are all strings (the entries' own limits and the secret guard are the domain's). */
function IsStringMap(options?: ValidationOptions) {
  return ValidateBy(
    {
      name: 'isStringMap',
      validator: {
        validate: (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string'),
        defaultMessage: () => 'must be an object of string values',
      },
    },
    options,
  );
}

const SERVICE = { description: 'The service (a DNS label, as inventory reports it)', pattern: SERVICE_NAME_PATTERN.source, example: 'checkout' };
const serviceMessage = { message: 'must be a DNS label (lower-case letters, digits and dashes, 1-63 characters)' };

export class PublishConfigVersionRequest {
  @ApiProperty(SERVICE)
  @IsString() @Matches(SERVICE_NAME_PATTERN, serviceMessage)
  service: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'Plain settings, at most CONFIG_MAX_ENTRIES (1000) keys of at most CONFIG_MAX_VALUE_BYTES (32 KiB) each. Anything that looks like a secret is refused (422 secret_value_forbidden)',
    example: { LOG_LEVEL: 'info', FEATURE_CHECKOUT_V2: 'true' },
  })
  @IsStringMap()
  entries: Record<string, string>;

  @ApiPropertyOptional({ type: [String], description: 'Names of the environment\'s secret bindings the service needs (each must exist)', example: ['DB_PASSWORD'], default: [] })
  @IsOptional() @IsArray() @ArrayMaxSize(200) @IsString({ each: true })
  secretRefs?: string[];
}

export class ServiceQuery {
  @ApiProperty(SERVICE)
  @IsString() @Matches(SERVICE_NAME_PATTERN, serviceMessage)
  service: string;
}

export class ListConfigVersionsRequest extends PageQuery {
  @ApiProperty(SERVICE)
  @IsString() @Matches(SERVICE_NAME_PATTERN, serviceMessage)
  service: string;
}

export class DiffConfigVersionsRequest extends ServiceQuery {
  @ApiProperty({ type: 'integer', minimum: 1, description: 'The version to compare from (the path names the version compared to)' })
  @Type(() => Number) @IsInt() @Min(1)
  from: number;
}

export class CreateSecretBindingRequest {
  @ApiProperty({ description: 'The name the workload sees (an environment variable or file name), unique among the environment\'s live bindings', pattern: BINDING_NAME_PATTERN.source, example: 'DB_PASSWORD' })
  @IsString() @Matches(BINDING_NAME_PATTERN, { message: `must match ${BINDING_NAME_PATTERN.source}` })
  name: string;

  @ApiProperty({ enum: SECRET_PROVIDERS, example: 'hashicorp-vault', description: '`inline` only where SECRETS_INLINE_ALLOWED=true' })
  @IsIn(SECRET_PROVIDERS)
  provider: SecretProvider;

  @ApiPropertyOptional({
    description: 'Vault-backed providers: `https://<vault>.vault.azure.net/secrets/<name>[/<version>]` (on a host of AZURE_KEY_VAULT_HOSTS) or `vault://<mount>/<path>#<key>`. Never a value',
    example: 'vault://kv/acme/checkout/db#password',
    maxLength: 2048,
  })
  @IsOptional() @IsString() @MaxLength(2048)
  reference?: string;

  @ApiPropertyOptional({ description: 'Vault-backed providers: the managed identity (client id or resource id) or Vault role that may read the secret', example: 'checkout', maxLength: 512 })
  @IsOptional() @IsString() @MaxLength(512)
  identity?: string;

  @ApiPropertyOptional({ description: '`inline` only: the value, write-only (sealed at rest, never returned, logged or published)', writeOnly: true, maxLength: 32768 })
  @IsOptional() @IsString() @MinLength(1) @MaxLength(32768)
  value?: string;
}

export class ListSecretBindingsRequest extends PageQuery {}
