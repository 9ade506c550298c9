import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Page, PageOf } from '@rcp/http';
import { ConfigDiffView, ConfigVersionView, PublishedConfigVersionView, SecretBindingView } from '../../application/configuration.views';
import { SECRET_PROVIDERS, SecretProvider } from '../../domain/secret-binding-reference';
import { BindingStatus } from '../../domain/secret-binding.aggregate';

/** Each response class implements its view, so the document cannot leave out or mistype a field the API answers with. */
export class ConfigVersionResponse implements ConfigVersionView {
  @ApiProperty({ format: 'uuid' }) environmentId: string;
  @ApiProperty({ example: 'checkout' }) service: string;
  @ApiProperty({ type: 'integer', minimum: 1, example: 3, description: 'The version number, 1, 2, … per (environment, service); also the ETag' }) version: number;
  @ApiProperty({ example: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', description: 'sha256 (hex) of the canonical JSON of { entries, secretRefs }: keys sorted, no whitespace' }) checksum: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, example: { LOG_LEVEL: 'info' } }) entries: Record<string, string>;
  @ApiProperty({ type: [String], example: ['DB_PASSWORD'], description: 'The secret bindings it needs, sorted' }) secretRefs: string[];
  @ApiProperty({ example: 'pipeline@acme', description: 'Who published it (the token\'s sub)' }) author: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class PublishedConfigVersionResponse extends ConfigVersionResponse implements PublishedConfigVersionView {
  @ApiProperty({ description: 'false when the content equals the latest version: that version is answered and nothing is published' }) created: boolean;
}

export class ConfigVersionPageResponse extends PageOf(ConfigVersionResponse) implements Page<ConfigVersionView> {}

class AddedEntryDto {
  @ApiProperty() key: string;
  @ApiProperty() value: string;
}

class ChangedEntryDto {
  @ApiProperty() key: string;
  @ApiProperty() from: string;
  @ApiProperty() to: string;
}

export class ConfigDiffResponse implements ConfigDiffView {
  @ApiProperty({ format: 'uuid' }) environmentId: string;
  @ApiProperty() service: string;
  @ApiProperty({ type: 'integer' }) from: number;
  @ApiProperty({ type: 'integer' }) to: number;
  @ApiProperty({ type: [AddedEntryDto], description: 'Keys in `to` only, with their values' }) added: AddedEntryDto[];
  @ApiProperty({ type: [AddedEntryDto], description: 'Keys in `from` only, with their values' }) removed: AddedEntryDto[];
  @ApiProperty({ type: [ChangedEntryDto], description: 'Keys in both with another value' }) changed: ChangedEntryDto[];
  @ApiProperty({ type: [String] }) secretRefsAdded: string[];
  @ApiProperty({ type: [String] }) secretRefsRemoved: string[];
}

export class SecretBindingResponse implements SecretBindingView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'acme' }) tenantId: string;
  @ApiProperty({ example: 'shop' }) projectId: string;
  @ApiProperty({ format: 'uuid' }) environmentId: string;
  @ApiProperty({ example: 'DB_PASSWORD' }) name: string;
  @ApiProperty({ enum: SECRET_PROVIDERS }) provider: SecretProvider;
  @ApiPropertyOptional({ nullable: true, type: String, example: 'vault://kv/acme/checkout/db#password', description: 'The vault URI; null for inline' }) reference: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, example: 'checkout', description: 'The identity that may read it; null for inline' }) identity: string | null;
  @ApiProperty({ enum: ['resolvable', 'unresolvable'], description: 'The last check\'s judgement; deployments that need an unresolvable binding fail closed' }) status: BindingStatus;
  @ApiPropertyOptional({ nullable: true, type: String, example: 'the secret does not exist in the vault', description: 'Why it is unresolvable' }) reason: string | null;
  @ApiProperty({ format: 'date-time', description: 'When it was last checked' }) checkedAt: string;
  @ApiProperty({ example: 'admin@acme' }) createdBy: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'date-time', description: 'Set on the answer of a DELETE' }) removedAt: string | null;
  @ApiProperty({ type: 'integer', description: 'Optimistic concurrency version; also the ETag' }) version: number;
}

export class SecretBindingPageResponse extends PageOf(SecretBindingResponse) implements Page<SecretBindingView> {}
