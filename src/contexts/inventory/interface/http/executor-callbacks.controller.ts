import { Body, Controller, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Audited, Public } from '@rcp/auth';
import { ApiProblems, ProblemException } from '@rcp/http';
import { CompleteOperationCommand, CompletionView } from '../../application/commands/complete-operation/complete-operation.command';
import { SIGNATURE_HEADER, SIGNATURE_TOLERANCE_SECONDS, TIMESTAMP_HEADER } from '../../infrastructure/provisioning/executor-signature';
import { ExecutorCallbackRequest } from './environment.request';
import { ExecutorCallbackResponse } from './environment.response';
import { ExecutorSignatureGuard } from './executor-signature.guard';

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
      'Called by the external executor on the `callbackUrl` it was given. Signed, not bearer-authenticated: ' +
      `\`${TIMESTAMP_HEADER}\` is the Unix time in seconds and \`${SIGNATURE_HEADER}\` is \`v1=\` + hex HMAC-SHA256 (key EXECUTOR_SECRET) ` +
      `of \`<timestamp>.<raw body>\`; timestamps more than ${SIGNATURE_TOLERANCE_SECONDS} s off are refused. \`succeeded\` or \`failed\` completes the ` +
      'operation; `running` is progress only. A callback id already applied, or an operation no longer in flight (superseded by a retry ' +
      'or timed out), is answered with `applied: false` and changes nothing.',
  })
  @ApiParam({ name: 'operationId', format: 'uuid', description: 'The operation id from the request the executor received' })
  @ApiHeader({ name: TIMESTAMP_HEADER, required: true, description: 'Unix time in seconds', example: '1768473000' })
  @ApiHeader({ name: SIGNATURE_HEADER, required: true, description: 'v1=<hex HMAC-SHA256 of "<timestamp>.<raw body>">' })
  @ApiOkResponse({ type: ExecutorCallbackResponse, description: 'The callback was accepted; `applied` says whether it changed the operation' })
  @ApiProblems('validation_failed', 'concurrent_modification')
  async callback(@Param('operationId') operationId: string, @Body() body: ExecutorCallbackRequest): Promise<CompletionView> {
    if (body.status === 'running') return { operationId, applied: false, reason: 'progress noted; the operation completes with succeeded or failed' };
    if (body.status === 'failed' && !body.reason?.trim()) {
      throw new ProblemException('validation_failed', 'reason is required when status is failed', { errors: [{ field: 'reason', message: 'is required when status is failed' }] });
    }
    const outcome = body.status === 'succeeded' ? ({ succeeded: true } as const) : ({ succeeded: false, reason: `the executor reported: ${body.reason!.trim()}` } as const);
    return this.commands.execute(new CompleteOperationCommand(operationId, outcome, { via: 'executor-callback', callbackId: body.callbackId }));
  }
}
