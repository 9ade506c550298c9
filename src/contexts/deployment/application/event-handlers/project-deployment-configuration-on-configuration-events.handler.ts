import { On, Projection, ReadModel, sourceVersionOf } from '@rcp/messaging';
import { ConfigVersionPublishedV1, SecretBindingCreatedV1, SecretBindingRemovedV1, SecretBindingResolvabilityChangedV1 } from '../../../configuration/contracts';
import { DEPLOYMENT_CONFIG_VERSIONS, DEPLOYMENT_SECRET_BINDINGS } from '../read-models/deployment-read-models';

/**
 * Keeps the deployment context's read model of configuration: the published versions (with their
 * checksums, pinned by a deployment) and the secret bindings with their resolvability (a deployment
 * needs each of its bindings resolvable).
 */
@ReadModel({ name: 'deployment.configuration', tables: [DEPLOYMENT_CONFIG_VERSIONS, DEPLOYMENT_SECRET_BINDINGS] })
export class ProjectDeploymentConfigurationOnConfigurationEventsHandler extends Projection {
  @On(ConfigVersionPublishedV1)
  async published(e: ConfigVersionPublishedV1): Promise<void> {
    const d = e.data;
    await DEPLOYMENT_CONFIG_VERSIONS.insertIfAbsent(this.db, { environmentId: d.environmentId, service: d.service, version: d.version, tenantId: d.tenantId, checksum: d.checksum });
  }

  @On(SecretBindingCreatedV1)
  async created(e: SecretBindingCreatedV1): Promise<void> {
    const d = e.data;
    await DEPLOYMENT_SECRET_BINDINGS.upsert(this.db, { bindingId: d.bindingId, environmentId: d.environmentId, tenantId: d.tenantId, name: d.name, reference: d.reference, status: d.status, reason: d.reason, removed: false }, sourceVersionOf(e));
  }

  @On(SecretBindingResolvabilityChangedV1)
  async checked(e: SecretBindingResolvabilityChangedV1): Promise<void> {
    await DEPLOYMENT_SECRET_BINDINGS.patch(this.db, { bindingId: e.data.bindingId }, { status: e.data.status, reason: e.data.reason }, sourceVersionOf(e));
  }

  @On(SecretBindingRemovedV1)
  async removed(e: SecretBindingRemovedV1): Promise<void> {
    await DEPLOYMENT_SECRET_BINDINGS.patch(this.db, { bindingId: e.data.bindingId }, { removed: true }, sourceVersionOf(e));
  }
}
