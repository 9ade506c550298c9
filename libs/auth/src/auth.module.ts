import { DynamicModule, Global, Module, Type } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { RcpAuthGuard } from './auth.guard';
import { JwtStrategy } from './jwt.strategy';
import { TokenVerifier } from './token-verifier';
import { AlwaysActiveGate, TenantLifecycleGate } from './tenant-gate';
import { AgentTokenKeys } from './agent-token-keys';
import { AgentKeyStatus, NoAgentKeys } from './agent-key-status';

/**
 * Authentication and authorization for every route (one global guard). The tenant lifecycle gate and
 * the agent key status are ports: the application hands in the tenancy context's and the access
 * module's implementations.
 */
@Global()
@Module({})
export class AuthModule {
  static forRoot(opts: { tenantGate?: Type<TenantLifecycleGate>; agentKeys?: Type<AgentKeyStatus> } = {}): DynamicModule {
    return {
      module: AuthModule,
      imports: [PassportModule.register({ session: false })],
      providers: [
        TokenVerifier,
        AgentTokenKeys,
        JwtStrategy,
        { provide: AgentKeyStatus, useClass: opts.agentKeys ?? NoAgentKeys },
        { provide: TenantLifecycleGate, useClass: opts.tenantGate ?? AlwaysActiveGate },
        { provide: APP_GUARD, useClass: RcpAuthGuard },
      ],
      exports: [TenantLifecycleGate, TokenVerifier, AgentTokenKeys, AgentKeyStatus],
    };
  }
}
