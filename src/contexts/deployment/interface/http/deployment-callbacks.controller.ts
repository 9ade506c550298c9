import { Body, Controller, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Audited, Public } from '@rcp/auth';
import { sanitizeOutsideText } from '@rcp/ddd';
import { ExecutorCallbackRequest, ExecutorSignatureGuard, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '@rcp/executor';
import { ApiProblems, isUuid, ProblemException } from '@rcp/http';
import { CompleteDeploymentOperationCommand } from '../../application/commands/complete-deployment-operation/complete-deployment-operation.command';

const MAX_REASON = 200;

export class DeploymentCallbackResponse {
  @ApiProperty({ format: 'uuid' }) operationId: string;
  @ApiProperty({ example: true, description: 'False for progress, replays, and operations no longer awaited' }) applied: boolean;
  @ApiPropertyOptional() reason?: string;
}

/**
 * Where an external executor (`PROVISIONER=http`) reports the outcome of an `apply-revision` or `remove`
 * operation of a rollout. Signed like every executor callback (libs/executor), not bearer-authenticated.
 */
@ApiTags('Deployment')
@Controller('v1/executor-callbacks/deployments')
export class DeploymentCallbacksController {
  constructor(private readonly commands: CommandBus) {}

  @Post(':operationId')
  @HttpCode(200)
  @Public()
  @UseGuards(ExecutorSignatureGuard)
  @Audited('executor.callback', 'deployment-operation', 'operationId')
  @ApiOperation({
    summary: 'Report the outcome of a rollout operation (executors only)',
    description:
      'Called by the external executor on the `callbackUrl` of an `apply-revision` or `remove` operation of a deployment (docs/executor-protocol.md), ' +
      `signed as every executor callback (\`${TIMESTAMP_HEADER}\`, \`${SIGNATURE_HEADER}\`; refusals are 401 and audited). \`succeeded\` moves the rollout on, ` +
      '`failed` rolls it back (the reason shown to the tenant cut to 200 characters, without control characters or URLs); `running` is progress ' +
      'only. An operation no longer awaited, or an outcome already received, is answered with `applied: false` and changes nothing.',
  })
  @ApiParam({ name: 'operationId', format: 'uuid', description: 'The operation id from the request the executor received' })
  @ApiHeader({ name: TIMESTAMP_HEADER, required: true, description: 'Unix time in seconds', example: '1768473000' })
  @ApiHeader({ name: SIGNATURE_HEADER, required: true, description: 'v2=<hex HMAC-SHA256 of "<timestamp>\\n<METHOD>\\n<path>\\n<raw body>">' })
  @ApiOkResponse({ type: DeploymentCallbackResponse, description: 'The callback was accepted; `applied` says whether it moved the rollout' })
  @ApiProblems('validation_failed', 'concurrent_modification')
  async callback(@Param('operationId') operationId: string, @Body() body: ExecutorCallbackRequest): Promise<DeploymentCallbackResponse> {
    if (body.status === 'running') return { operationId, applied: false, reason: 'progress noted; the operation completes with succeeded or failed' };
    if (body.status === 'failed' && !body.reason?.trim()) {
      throw new ProblemException('validation_failed', 'reason is required when status is failed', { errors: [{ field: 'reason', message: 'is required when status is failed' }] });
    }
    if (!isUuid(operationId)) return { operationId, applied: false, reason: `operation ${operationId} is not awaited` };
    const outcome = body.status === 'succeeded' ? ({ succeeded: true } as const) : ({ succeeded: false, reason: `the executor reported: ${sanitizeOutsideText(body.reason!, MAX_REASON)}` } as const);
    const { applied } = await this.commands.execute(new CompleteDeploymentOperationCommand(operationId, outcome));
    return applied ? { operationId, applied } : { operationId, applied, reason: `operation ${operationId} is not awaited (unknown, or its outcome was already received)` };
  }
}
