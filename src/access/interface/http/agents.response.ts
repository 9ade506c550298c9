import { ApiProperty } from '@nestjs/swagger';
import { Page, PageOf } from '@rcp/http';
import { AgentEnrollmentView, AgentKeyView, AgentTokenView, IssuedAgentKeyView } from '../../application/access.views';
import { AgentKeyState } from '../../domain/agent-key';

const SHOWN_ONCE = 'shown once, here; stored only as a hash. An idempotent replay of this request answers null';

/** Each response class implements its view, so the document cannot leave out or mistype a field. */
export class AgentEnrollmentResponse implements AgentEnrollmentView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) environmentId: string;
  @ApiProperty({ type: String, nullable: true, example: 'rcpet_3f9a1c2b7d4e5f60_…', description: `The one-time enrollment token: ${SHOWN_ONCE}` }) token: string | null;
  @ApiProperty({ example: 'rcpet_3f9a1c2b7d4e5f60', description: 'What logs and the audit log call it' }) prefix: string;
  @ApiProperty({ type: [String], example: ['report:actual-state', 'report:health', 'report:metrics'] }) capabilities: string[];
  @ApiProperty({ format: 'date-time', description: 'Redeemable once, until then (AGENT_ENROLLMENT_TTL_SECONDS)' }) expiresAt: string;
  @ApiProperty({ example: 'admin@acme' }) createdBy: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class AgentKeyResponse implements AgentKeyView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) environmentId: string;
  @ApiProperty({ example: 'rcpak_3f9a1c2b7d4e5f60', description: 'The key\'s public part: the start of the key' }) prefix: string;
  @ApiProperty({ type: [String], example: ['report:health'] }) capabilities: string[];
  @ApiProperty({ enum: ['active', 'revoked'] }) state: AgentKeyState;
  @ApiProperty({ example: 'admin@acme', description: 'Who issued the enrollment the key was redeemed from' }) createdBy: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'The last token exchange' }) lastUsedAt: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) revokedAt: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'admin@acme', description: '`system` when its environment was decommissioned' }) revokedBy: string | null;
  @ApiProperty({ type: String, nullable: true }) revokedReason: string | null;
  @ApiProperty({ type: 'integer', minimum: 1, description: 'Also the ETag' }) version: number;
}

export class IssuedAgentKeyResponse extends AgentKeyResponse implements IssuedAgentKeyView {
  @ApiProperty({ type: String, nullable: true, example: 'rcpak_3f9a1c2b7d4e5f60_…', description: `The agent key: ${SHOWN_ONCE}. Keep it in a file only its agent can read` }) key: string | null;
}

export class AgentKeyPageResponse extends PageOf(AgentKeyResponse) implements Page<AgentKeyView> {}

export class AgentTokenResponse implements AgentTokenView {
  @ApiProperty({ type: String, nullable: true, description: 'A JWT with the role `agent`, the key\'s environment and capabilities; null on an idempotent replay' }) token: string | null;
  @ApiProperty({ enum: ['Bearer'] }) tokenType: 'Bearer';
  @ApiProperty({ format: 'date-time' }) expiresAt: string;
  @ApiProperty({ type: 'integer', example: 600, description: 'Seconds until it expires (AGENT_TOKEN_TTL_SECONDS)' }) expiresIn: number;
  @ApiProperty({ format: 'uuid' }) environmentId: string;
  @ApiProperty({ type: [String], example: ['report:health'] }) capabilities: string[];
}
