import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { BASE_AGENT_CAPABILITIES, CAPABILITY_FORMAT, MAX_CAPABILITIES } from '@rcp/auth';
import { PageQuery } from '@rcp/http';

export class IssueAgentEnrollmentRequest {
  @ApiPropertyOptional({
    type: [String],
    example: [...BASE_AGENT_CAPABILITIES],
    description: 'What the agent key may do, at least one; default: every capability of an agent endpoint. An unknown one is 400',
  })
  @IsOptional() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(MAX_CAPABILITIES)
  @IsString({ each: true }) @Matches(CAPABILITY_FORMAT, { each: true, message: 'each capability looks like "report:health"' })
  capabilities?: string[];
}

export class ListAgentKeysRequest extends PageQuery {
  @ApiPropertyOptional({ description: 'Also list revoked keys', default: false })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  includeRevoked?: boolean;
}

export class RevokeAgentKeyRequest {
  @ApiPropertyOptional({ description: 'Why, for the audit log and the key\'s record (never put a secret here)', maxLength: 200, example: 'host rebuilt' })
  @IsOptional() @IsString() @MaxLength(200)
  reason?: string;
}
