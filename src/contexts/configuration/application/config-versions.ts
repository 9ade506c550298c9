import { Injectable } from '@nestjs/common';
import { AccessScope, NotFoundError } from '@rcp/ddd';
import { RuntimeConfigurationRepository } from '../domain/configuration.repository';
import { ConfigVersionSnapshot } from '../domain/runtime-configuration.aggregate';
import { reachEnvironment } from './environment-access';
import { EnvironmentDirectory } from './read-models/environment-read-model';

/** Finds one version as the caller may reach it: unknown environment, service or number is 404. */
@Injectable()
export class ConfigVersions {
  constructor(
    private readonly configurations: RuntimeConfigurationRepository,
    private readonly environments: EnvironmentDirectory,
  ) {}

  async reach(environmentId: string, service: string, version: number, scope: AccessScope | undefined): Promise<{ environmentId: string; version: ConfigVersionSnapshot }> {
    const env = await reachEnvironment(this.environments, environmentId, scope);
    const found = await this.configurations.findVersion(env.environmentId, service, version);
    if (!found) throw new NotFoundError('Configuration version', `${version} of service ${service}`);
    return { environmentId: env.environmentId, version: found };
  }
}
