import { Query } from '@nestjs/cqrs';
import { AccessScope } from '@rcp/ddd';
import { RemediationPolicyView } from '../../drift.views';

/** The environment's remediation policy (the default, manual, until one is set: version 0). */
export class GetRemediationPolicyQuery extends Query<RemediationPolicyView> {
  constructor(
    readonly environmentId: string,
    readonly scope?: AccessScope,
  ) {
    super();
  }
}
