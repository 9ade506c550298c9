import { DynamicModule, Global, Module, Type } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { RcpAuthGuard } from './auth.guard';
import { JwtStrategy } from './jwt.strategy';
import { TokenVerifier } from './token-verifier';
import { AlwaysActiveGate, TenantLifecycleGate } from './tenant-gate';

/**
 * Authentication and authorization for every route (one global guard). The tenant lifecycle gate is a
 * port: the application hands in the tenancy context's implementation.
 */
@Global()
@Module({})
export class AuthModule {
  static forRoot(opts: { tenantGate?: Type<TenantLifecycleGate> } = {}): DynamicModule {
    return {
      module: AuthModule,
      imports: [PassportModule.register({ session: false })],
      providers: [
        TokenVerifier,
        JwtStrategy,
        { provide: TenantLifecycleGate, useClass: opts.tenantGate ?? AlwaysActiveGate },
        { provide: APP_GUARD, useClass: RcpAuthGuard },
      ],
      exports: [TenantLifecycleGate, TokenVerifier],
    };
  }
}
