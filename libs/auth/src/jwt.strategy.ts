import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { Actor } from '@rcp/observability';
import { RcpJwtClaims } from './claims';
import { TokenVerifier } from './token-verifier';

/**
 * passport-jwt strategy: HS256 with the local secret, or RS256 against `JWT_JWKS_URI`; the keys, the
 * required `iss`/`aud`/`exp`, the lifetime cap and the claim rules all come from {@link TokenVerifier},
 * which the problem filter also uses to attribute a request that failed before this guard ran.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(private readonly verifier: TokenVerifier) {
    super({ jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(), ignoreExpiration: false, ...verifier.passportOptions() });
  }

  validate(claims: RcpJwtClaims): Actor {
    return this.verifier.actorOf(claims);
  }
}
