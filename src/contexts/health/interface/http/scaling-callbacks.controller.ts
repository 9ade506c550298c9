import { Body, Controller, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Audited, Public } from '@rcp/auth';
import { sanitizeOutsideText } from '@rcp/ddd';
import { ExecutorCallbackRequest, ExecutorSignatureGuard, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '@rcp/executor';
import { ApiProblems, isUuid, ProblemException } from '@rcp/http';
import { CompleteScalingCommand } from '../../application/commands/complete-scaling/complete-scaling.command';
import { ScalingCallbackResponse } from './health.response';

/** What an executor's reason may show a tenant: this many characters, no control characters or URLs. */
const MAX_REASON = 200;

/**
 * Where an external executor (`PROVISIONER=http`) reports the outcome of a `scale` operation of a scaling
 * decision. Signed like every executor callback (libs/executor), not bearer-authenticated.
 */
@ApiTags('Health')
@Controller('v1/executor-callbacks/scaling')
export class ScalingCallbacksController {
  constructor(private readonly commands: CommandBus) {}

  @Post(':operationId')
  @HttpCode(200)
  @Public()
  @UseGuards(ExecutorSignatureGuard)
  @Audited('executor.callback', 'scaling-operation', 'operationId')
  @ApiOperation({
    summary: 'Report the outcome of a scale operation (executors only)',
    description:
      'Called by the external executor on the `callbackUrl` of a `scale` operation (docs/executor-protocol.md), signed as every executor callback ' +
      `(\`${TIMESTAMP_HEADER}\`, \`${SIGNATURE_HEADER}\`; refusals are 401 and audited). \`succeeded\` applies the scaling decision, \`failed\` fails it ` +
      '(the reason shown to the tenant cut to 200 characters, without control characters or URLs); `running` is progress only. An operation ' +
      'no longer awaited, or an outcome already received, is answered with `applied: false` and changes nothing.',
  })
  @ApiParam({ name: 'operationId', format: 'uuid', description: 'The operation id from the request the executor received' })
  @ApiHeader({ name: TIMESTAMP_HEADER, required: true, description: 'Unix time in seconds', example: '1768473000' })
  @ApiHeader({ name: SIGNATURE_HEADER, required: true, description: 'v2=<hex HMAC-SHA256 of "<timestamp>\\n<METHOD>\\n<path>\\n<raw body>">' })
  @ApiOkResponse({ type: ScalingCallbackResponse, description: 'The callback was accepted; `applied` says whether it changed the decision' })
  @ApiProblems('validation_failed', 'concurrent_modification')
  async callback(@Param('operationId') operationId: string, @Body() body: ExecutorCallbackRequest): Promise<ScalingCallbackResponse> {
    if (body.status === 'running') return { operationId, applied: false, reason: 'progress noted; the operation completes with succeeded or failed' };
    if (body.status === 'failed' && !body.reason?.trim()) {
      throw new ProblemException('validation_failed', 'reason is required when status is failed', { errors: [{ field: 'reason', message: 'is required when status is failed' }] });
    }
    if (!isUuid(operationId)) return { operationId, applied: false, reason: `operation ${operationId} is not awaited` };
    const outcome = body.status === 'succeeded' ? ({ succeeded: true } as const) : ({ succeeded: false, reason: `the executor reported: ${sanitizeOutsideText(body.reason!, MAX_REASON)}` } as const);
    const { applied } = await this.commands.execute(new CompleteScalingCommand(operationId, outcome));
    return applied ? { operationId, applied } : { operationId, applied, reason: `operation ${operationId} is not awaited (unknown, or its outcome was already received)` };
  }
}
