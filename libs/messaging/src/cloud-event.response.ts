import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/**
 * One event of the feed as the API serves it: a structured CloudEvents 1.0 envelope with the RCP
 * extensions (the schema of {@link CloudEventEnvelope}). The JSON Schema of each type's `data` is in the
 * event catalogue, `GET /v1/event-catalog`.
 */
export class CloudEventResponse {
  @ApiProperty({ enum: ['1.0'], example: '1.0' }) specversion: '1.0';
  @ApiProperty({ format: 'uuid', description: 'Unique per event; receivers deduplicate on it', example: '0b6f2c1e-8a4d-4f5e-9c3b-7d1a2e4f6a90' }) id: string;
  @ApiProperty({ description: '`/rcp/<context>`', example: '/rcp/inventory' }) source: string;
  @ApiProperty({ description: '`rcp.<context>.<event-name>.v<N>`', example: 'rcp.inventory.environment-ready.v1' }) type: string;
  @ApiProperty({ description: 'The aggregate the event is about (one version line per subject)', example: '3f0c9a1e-2b7d-4c55-8e0f-1a2b3c4d5e6f' }) subject: string;
  @ApiProperty({ format: 'date-time', description: 'When the change happened in the domain (not when it was stored or relayed)', example: '2026-01-15T10:30:00.000Z' }) time: string;
  @ApiProperty({ enum: ['application/json'], example: 'application/json' }) datacontenttype: 'application/json';
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'The event\'s payload; its JSON Schema per type is in GET /v1/event-catalog',
    example: { environmentId: '3f0c9a1e-2b7d-4c55-8e0f-1a2b3c4d5e6f', tenantId: 'acme' },
  })
  data: Record<string, unknown>;
  @ApiPropertyOptional({ description: 'The tenant the event belongs to (absent for platform events)', example: 'acme' }) tenantid?: string;
  @ApiPropertyOptional({ description: 'The project, for project-scoped aggregates', example: 'web' }) projectid?: string;
  @ApiProperty({ description: 'The context that published the event', example: 'inventory' }) moduleid: string;
  @ApiProperty({ description: 'W3C traceparent of the work that caused the event', example: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' }) traceparent: string;
  @ApiProperty({ description: 'X-Correlation-Id of the request (or job) that caused the event', example: '7d7a6c0e-52a4-4a53-a0d5-3f3b1c3d1f09' }) correlationid: string;
  @ApiPropertyOptional({ description: 'Id of the event that caused this one, when an event handler published it' }) causationid?: string;
  @ApiProperty({ description: 'The kind of aggregate the subject is', example: 'RuntimeEnvironment' }) aggregatetype: string;
  @ApiProperty({ description: 'Version of the subject after this change, as a string of digits (CloudEvents extension attributes are strings)', example: '3' })
  aggregateversion: string;
}
