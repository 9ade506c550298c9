import { Body, Controller, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Audited, Public } from '@rcp/auth';
import { ApiProblems, isUuid, ProblemException } from '@rcp/http';
import { CompleteOperationCommand, CompletionView } from '../../application/commands/complete-operation/complete-operation.command';
import { sanitizeReportedReason } from '../../domain/provisioning-policy';
import { ExecutorCallbackRequest, ExecutorSignatureGuard, SIGNATURE_HEADER, SIGNATURE_TOLERANCE_SECONDS, TIMESTAMP_HEADER } from '@rcp/executor';
import { ExecutorCallbackResponse } from './environment.response';

/**
 * Where an external executor (`PROVISIONER=http`) reports the outcome of an operation it was given.
 * Authenticated by HMAC, not by a bearer token.
 */
@ApiTags('Inventory')
@Controller('v1/executor-callbacks')
export class ExecutorCallbacksController {
  constructor(private readonly commands: CommandBus) {}

  @Post(':operationId')
  @HttpCode(200)
  @Public()
  @UseGuards(ExecutorSignatureGuard)
  @Audited('executor.callback', 'operation', 'operationId')
  @ApiOperation({
    summary: 'Report the outcome of a provisioner operation (executors only)',
    description:
      'Called by the external executor on the `callbackUrl` it was given (docs/executor-protocol.md). Signed, not bearer-authenticated: ' +
      `\`${TIMESTAMP_HEADER}\` is the Unix time in seconds and \`${SIGNATURE_HEADER}\` is \`v2=\` + hex HMAC-SHA256 (key EXECUTOR_SECRET) ` +
      `of \`<timestamp>\\n<METHOD>\\n<path>\\n<raw body>\` (path: that of the callbackUrl), so a callback signed for one operation is refused on ` +
      `another's URL; timestamps more than ${SIGNATURE_TOLERANCE_SECONDS} s off are refused. Refusals are 401 and audited. \`succeeded\` or ` +
      '`failed` completes the operation; `running` is progress only. A failure reason is shown to the tenant cut to 200 characters, without ' +
      'control characters or URLs. A callback id already received (for any operation, known or not), or an operation no longer in flight ' +
      '(superseded by a retry or timed out), is answered with `applied: false` and changes nothing.',
  })
  @ApiParam({ name: 'operationId', format: 'uuid', description: 'The operation id from the request the executor received' })
  @ApiHeader({ name: TIMESTAMP_HEADER, required: true, description: 'Unix time in seconds', example: '1768473000' })
  @ApiHeader({ name: SIGNATURE_HEADER, required: true, description: 'v2=<hex HMAC-SHA256 of "<timestamp>\\n<METHOD>\\n<path>\\n<raw body>">' })
  @ApiOkResponse({ type: ExecutorCallbackResponse, description: 'The callback was accepted; `applied` says whether it changed the operation' })
  @ApiProblems('validation_failed', 'concurrent_modification')
  async callback(@Param('operationId') operationId: string, @Body() body: ExecutorCallbackRequest): Promise<CompletionView> {
    if (body.status === 'running') return { operationId, applied: false, reason: 'progress noted; the operation completes with succeeded or failed' };
    if (body.status === 'failed' && !body.reason?.trim()) {
      throw new ProblemException('validation_failed', 'reason is required when status is failed', { errors: [{ field: 'reason', message: 'is required when status is failed' }] });
    }
    if (!isUuid(operationId)) return { operationId, applied: false, reason: `operation ${operationId} is not in progress (unknown, superseded or already completed)` };
    // The executor's words reach the tenant (failureReason, events): cut, without control characters or URLs.
    const outcome =
      body.status === 'succeeded' ? ({ succeeded: true } as const) : ({ succeeded: false, reason: `the executor reported: ${sanitizeReportedReason(body.reason!)}` } as const);
    return this.commands.execute(new CompleteOperationCommand(operationId, outcome, { via: 'executor-callback', callbackId: body.callbackId }));
  }
}
