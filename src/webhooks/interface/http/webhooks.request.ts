import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { EVENT_TYPE_FILTER, EVENT_TYPE_FILTER_MESSAGE } from '@rcp/messaging';

export class CreateWebhookSubscriptionRequest {
  @ApiProperty({ example: 'https://hooks.example.com/rcp', maxLength: 2048, description: 'https, resolving to public addresses; no credentials, no fragment' })
  @IsString() @MaxLength(2048)
  url: string;

  @ApiProperty({ type: [String], example: ['rcp.deployment.*', 'rcp.drift.drift-detected.v1'], description: 'Event types with their version, or prefixes ending in `.*`' })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(50) @IsString({ each: true }) @Matches(EVENT_TYPE_FILTER, { each: true, message: EVENT_TYPE_FILTER_MESSAGE })
  eventTypes: string[];

  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional() @IsString() @MaxLength(500)
  description?: string;
}

export class RotateWebhookSecretRequest {
  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: 604800, default: 86400, description: 'How long the old secret keeps signing (both signatures are sent meanwhile)' })
  @IsOptional() @IsInt() @Min(0) @Max(604_800)
  overlapSeconds?: number;
}
