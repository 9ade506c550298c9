import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authorize, CurrentActor, Mutation, TENANT_READERS, TENANT_WRITERS } from '@rcp/auth';
import { AccessScope } from '@rcp/ddd';
import { ApiProblems, ErrorCode, IfMatchVersion, Page, UuidParam } from '@rcp/http';
import { Actor } from '@rcp/observability';
import { RemediateFindingCommand } from '../../application/commands/remediate-finding/remediate-finding.command';
import { SuppressFindingCommand } from '../../application/commands/suppress-finding/suppress-finding.command';
import { DriftFindingView } from '../../application/drift.views';
import { GetDriftFindingQuery } from '../../application/queries/get-drift-finding/get-drift-finding.query';
import { FINDINGS_KEYSET, ListDriftFindingsQuery } from '../../application/queries/list-drift-findings/list-drift-findings.query';
import { ListDriftFindingsRequest, RemediateFindingRequest, SuppressFindingRequest } from './drift.request';
import { DriftFindingPageResponse, DriftFindingResponse } from './drift.response';

const ID_PARAM = { name: 'id', format: 'uuid', description: 'Drift finding id' };
const CHANGE_PROBLEMS: ErrorCode[] = ['validation_failed', 'forbidden', 'not_found', 'tenant_suspended', 'tenant_offboarded', 'invalid_state_transition', 'version_conflict', 'concurrent_modification', 'idempotency_key_reused', 'idempotency_in_progress'];
const scopeOf = (actor: Actor): AccessScope => ({ projectIds: actor.projectIds });

/** Drift findings: what differs between Git and what runs, with evidence, and what was done about it. */
@ApiTags('Drift')
@Controller('v1/drift-findings')
export class DriftFindingsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Get()
  @Authorize(TENANT_READERS)
  @ApiOperation({ summary: 'List drift findings', description: 'In detection order, optionally of one environment, state, service or kind. One unresolved finding per fingerprint (environment, service, kind, desired value).' })
  @ApiOkResponse({ type: DriftFindingPageResponse, description: 'One page of findings' })
  @ApiProblems('validation_failed', 'forbidden', 'tenant_offboarded')
  list(@Query() q: ListDriftFindingsRequest, @CurrentActor() actor: Actor): Promise<Page<DriftFindingView>> {
    const { limit, after } = FINDINGS_KEYSET.read(q);
    return this.queries.execute(new ListDriftFindingsQuery({ environmentId: q.environmentId, state: q.state, service: q.service, kind: q.kind }, limit, after, scopeOf(actor)));
  }

  @Get(':id')
  @Authorize(TENANT_READERS)
  @ApiOperation({ summary: 'Get a drift finding', description: 'With its desired and actual values, the evidence, first and last seen, occurrences, every remediation attempt and how it ended, and how the finding ended.' })
  @ApiOkResponse({ type: DriftFindingResponse, description: 'The finding; ETag carries its version' })
  @ApiProblems('not_found', 'forbidden', 'tenant_offboarded')
  get(@Param('id', UuidParam) id: string, @CurrentActor() actor: Actor): Promise<DriftFindingView> {
    return this.queries.execute(new GetDriftFindingQuery(id, scopeOf(actor)));
  }

  @Post(':id/remediate')
  @Mutation({ roles: TENANT_WRITERS, command: RemediateFindingCommand, status: 202, param: ID_PARAM, ifMatch: true, response: { type: DriftFindingResponse, description: 'The finding, remediating; the deployment context creates the corrective deployment' }, problems: [...CHANGE_PROBLEMS, 'precondition_failed'] })
  @ApiOperation({
    summary: 'Remediate a finding',
    description:
      'Asks for a corrective deployment (reason drift-remediation, `cause.findingId`): `reapply` the last succeeded release when Git declares it, `rollback` ' +
      'to an earlier succeeded release Git declares, else `redeploy` the declared image (`action` may ask for redeploy instead). Its outcome moves the ' +
      'finding: resolved once a reconciliation sees the divergence gone, open again with the reason otherwise, quarantined if its health gate rolled it back. ' +
      'Only an open finding (409 invalid_state_transition otherwise); one no deployment can correct (an unexpected service): 409 precondition_failed.',
  })
  remediate(@Param('id', UuidParam) id: string, @Body() body: RemediateFindingRequest, @IfMatchVersion() v: number | undefined, @CurrentActor() actor: Actor): Promise<DriftFindingView> {
    return this.commands.execute(new RemediateFindingCommand(id, actor.sub, body.action, v, scopeOf(actor)));
  }

  @Post(':id/suppress')
  @Mutation({ roles: TENANT_WRITERS, command: SuppressFindingCommand, status: 200, param: ID_PARAM, ifMatch: true, response: { type: DriftFindingResponse, description: 'The finding, suppressed' }, problems: CHANGE_PROBLEMS })
  @ApiOperation({
    summary: 'Suppress a finding',
    description: 'With a reason and an optional expiry: still tracked (seen, resolved when the divergence goes), never remediated; open again after `until`. Only an open or quarantined finding (409 otherwise).',
  })
  suppress(@Param('id', UuidParam) id: string, @Body() body: SuppressFindingRequest, @IfMatchVersion() v: number | undefined, @CurrentActor() actor: Actor): Promise<DriftFindingView> {
    return this.commands.execute(new SuppressFindingCommand(id, body.reason, body.until ? new Date(body.until) : null, actor.sub, v, scopeOf(actor)));
  }
}
