import type { Credentials, Transport } from './transport.js';
import type { RequestOptions } from './types.js';

/** Body of `POST /auth/signup`. */
export interface SignupRequest {
  email: string;
  password: string;
  /** The organisation the account belongs to. */
  organization?: string;
  /** The person's name. */
  full_name?: string;
}

/** Body of `POST /auth/login`. */
export interface LoginRequest {
  email: string;
  password: string;
}

/** What signup, login and refresh answer: a bearer access token and the refresh token that renews it. */
export interface AuthTokens {
  access_token: string;
  refresh_token: string;
  /** `bearer`. */
  token_type: string;
  /** Lifetime of the access token, in seconds. */
  expires_in: number;
  [key: string]: unknown;
}

/**
 * `client.auth`: sessions for people (API keys are for agents). Signup, login and refresh store the tokens on the
 * client, so later calls send `Authorization: Bearer …`; an API key, when the client has one, is still preferred.
 * A 401 on a bearer call refreshes the token once and repeats the call.
 */
export class AuthApi {
  constructor(
    private readonly http: Transport,
    private readonly credentials: Credentials,
    private readonly onTokens: ((tokens: AuthTokens | undefined) => void) | undefined,
  ) {}

  /** `POST /auth/signup`: creates the account and logs in. */
  async signup(request: SignupRequest, options?: RequestOptions): Promise<AuthTokens> {
    return this.keep(
      await this.http.send({ method: 'POST', path: '/auth/signup', body: request, anonymous: true }, options),
    );
  }

  /** `POST /auth/login`. @throws BighubAuthError for a wrong email or password */
  async login(request: LoginRequest, options?: RequestOptions): Promise<AuthTokens> {
    return this.keep(
      await this.http.send({ method: 'POST', path: '/auth/login', body: request, anonymous: true }, options),
    );
  }

  /**
   * `POST /auth/refresh`: a new access token (and refresh token: BIGHUB rotates them) for the given refresh token,
   * or the client's own. @throws BighubAuthError when the refresh token is unknown or revoked
   */
  async refresh(refreshToken = this.credentials.refreshToken, options?: RequestOptions): Promise<AuthTokens> {
    const body = { refresh_token: refreshToken };
    return this.keep(await this.http.send({ method: 'POST', path: '/auth/refresh', body, anonymous: true }, options));
  }

  /** `POST /auth/logout`: revokes the refresh token (and its access tokens) and forgets them on this client. */
  async logout(options?: RequestOptions): Promise<Record<string, unknown>> {
    const body = { refresh_token: this.credentials.refreshToken };
    const answer = await this.http.send<Record<string, unknown>>(
      { method: 'POST', path: '/auth/logout', body },
      options,
    );
    this.credentials.bearerToken = undefined;
    this.credentials.refreshToken = undefined;
    this.onTokens?.(undefined);
    return answer;
  }

  private keep(tokens: AuthTokens): AuthTokens {
    this.credentials.bearerToken = tokens.access_token;
    this.credentials.refreshToken = tokens.refresh_token;
    this.onTokens?.(tokens);
    return tokens;
  }
}
