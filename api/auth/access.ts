import fastifyJwt from '@fastify/jwt';
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
  RouteOptions,
} from 'fastify';
import { HttpProblem } from '../problem';
import { principalOf, ROLES, type Claims, type Principal, type Role } from './principal';
import { jwtOptions, type TokenSettings } from './tokens';
import { bearerToken, presentedCredential } from './session';
import { VerifiedTokens } from './verified-tokens';

/** Who may call a route. Every route declares one (`config: { access }`); the app refuses to start otherwise. */
export interface Access {
  /** callable without a token */
  anonymous: boolean;
  /** the roles that may call it; a customer reaches only what is its own (another's is a 404) */
  roles: readonly Role[];
}

const access = (roles: readonly Role[]): Access => ({ anonymous: false, roles });

/** Health, the catalog, the API's documentation. */
export const PUBLIC: Access = { anonymous: true, roles: ROLES };
/** Placing an order (for itself), paying its own: a customer. */
export const OWNER: Access = access(['customer']);
/** Reading an order, its events, an invoice, a customer's orders: its customer, support, admin. */
export const OWNER_OR_STAFF: Access = access(['customer', 'support', 'admin']);
/** Cancelling an order: its customer, or an admin. */
export const OWNER_OR_ADMIN: Access = access(['customer', 'admin']);
/** Figures across all customers: support and admin. */
export const STAFF: Access = access(['support', 'admin']);
/** The catalog's writes, webhooks, dead letters. */
export const ADMIN: Access = access(['admin']);

/** A registered route and who may call it. */
export interface RouteRule {
  method: string;
  url: string;
  /** undefined only for a route that forgot it, which `ready()` refuses */
  access: Access | undefined;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** every route registered, with its access declaration (complete once the app is ready) */
    routeTable(): RouteRule[];
  }
  interface FastifyContextConfig {
    access?: Access;
    /** the cookie that may carry the bearer token on this route (the codec server's session) */
    cookie?: string;
  }
  interface FastifyRequest {
    /** the verified caller; null on a public route or before authentication */
    principal: Principal | null;
    /** why the token given was not accepted */
    tokenRefused: string | null;
  }
}

/** Who may call, as the OpenAPI document says it. */
export function describeAccess(a: Access): string {
  if (a.anonymous) return 'anyone, without a token';
  return a.roles.map((role) => (role === 'customer' ? 'a customer (its own)' : role)).join(', ');
}

const REALM = 'Bearer realm="order-saga"';

function unauthorized(reply: FastifyReply, refused: string | null): HttpProblem {
  void reply.header(
    'www-authenticate',
    refused === null ? REALM : `${REALM}, error="invalid_token", error_description="${refused}"`,
  );
  const detail =
    refused === null
      ? 'this endpoint needs a token: Authorization: Bearer <token>'
      : `token refused: ${refused}`;
  return new HttpProblem({
    status: 401,
    title: 'Unauthorized',
    detail: detail,
    errors: [{ field: 'headers.authorization', message: refused ?? 'missing' }],
  });
}

/** @fastify/jwt's refusals, in words that name the check and never echo the token. */
function refusalOf(err: { code?: string; message: string }): string {
  switch (err.code) {
    case 'FST_JWT_AUTHORIZATION_TOKEN_EXPIRED':
      return 'it has expired';
    default:
      // "Authorization token is invalid: The aud claim value is not allowed." and the like.
      return err.message.replace(/^Authorization token is invalid: /, '').replace(/["\\]/g, "'");
  }
}

/** The verified caller of a route that declares one; a route without a caller would be a bug. */
export function callerOf(request: FastifyRequest): Principal {
  if (request.principal === null)
    throw new Error(`${request.routeOptions.url} reads a caller it did not require`);
  return request.principal;
}

/** Whether the caller may see what belongs to `customerId`: staff always, a customer only its own. */
export const reaches = (caller: Principal, customerId: string): boolean =>
  caller.role !== 'customer' || caller.sub === customerId;

/**
 * Authentication and the route table's rules, as hooks of the root instance:
 * - every registered route must declare its `access`, or `ready()` fails naming the ones that do not;
 * - onRequest verifies the bearer token (when the route wants one) and records the caller or the
 *   refusal, without answering yet, so that the rate limit after it counts by caller (or address);
 * - preParsing answers 401 (no token, or one refused) or 403 (a role the route does not allow)
 *   before any body is read.
 * Ownership (a customer's own order) is the routes' part: they know the owner once they read it.
 */
export async function registerAccessControl(app: FastifyInstance, settings: TokenSettings): Promise<void> {
  const verified = new VerifiedTokens(settings.clockSkewMs);
  const extractToken = (request: FastifyRequest) => bearerToken(presentedCredential(request) ?? '') ?? '';
  await app.register(fastifyJwt, jwtOptions(settings, extractToken));
  app.decorateRequest('principal', null);
  app.decorateRequest('tokenRefused', null);

  const routes: RouteOptions[] = [];
  app.addHook('onRoute', (route) => {
    routes.push(route);
    const rule = route.config?.access;
    if (rule && !rule.anonymous && route.schema) {
      const said = route.schema.description ? `${route.schema.description}\n\n` : '';
      route.schema = {
        ...route.schema,
        security: [{ bearer: [] }],
        description: `${said}Who may call: ${describeAccess(rule)}.`,
      };
    }
  });
  app.decorate('routeTable', () =>
    routes.flatMap((r) =>
      (Array.isArray(r.method) ? r.method : [r.method]).map((method) => ({
        method: String(method),
        url: r.url,
        access: r.config?.access,
      })),
    ),
  );
  app.addHook('onReady', async () => {
    const undeclared = routes.filter((r) => r.config?.access === undefined);
    if (undeclared.length > 0) {
      const names = undeclared.map((r) => `${String(r.method)} ${r.url}`).join(', ');
      throw new Error(`routes without an access declaration: ${names}`);
    }
  });

  app.addHook('onRequest', (request, _reply, done: HookHandlerDoneFunction) => {
    const rule = request.routeOptions.config.access;
    const credential = rule && !rule.anonymous ? presentedCredential(request) : undefined;
    if (credential === undefined) {
      done();
      return;
    }
    const token = bearerToken(credential);
    if (token === null) {
      request.tokenRefused = 'the header must be Authorization: Bearer <token>';
      done();
      return;
    }
    const known = verified.get(token);
    if (known !== undefined) {
      request.principal = known;
      done();
      return;
    }
    request.jwtVerify<Claims & { exp: number }>().then(
      (claims) => {
        const found = principalOf(claims, settings.roleClaim);
        if ('refused' in found) request.tokenRefused = found.refused;
        else {
          request.principal = found;
          verified.add(token, found, claims.exp);
        }
        done();
      },
      (err: Error) => {
        request.tokenRefused = refusalOf(err);
        done();
      },
    );
  });

  app.addHook('preParsing', (request, reply, payload, done) => {
    const rule = request.routeOptions.config.access;
    if (!rule || rule.anonymous) {
      done(null, payload);
      return;
    }
    const caller = request.principal;
    if (caller === null) {
      done(unauthorized(reply, request.tokenRefused));
      return;
    }
    if (!rule.roles.includes(caller.role)) {
      const detail = `a ${caller.role} may not ${request.method} ${request.routeOptions.url}; it is for ${describeAccess(rule)}`;
      done(
        new HttpProblem({
          status: 403,
          title: 'Forbidden',
          detail: detail,
          errors: [
            { field: 'headers.authorization', message: `the role ${caller.role} is not allowed here` },
          ],
        }),
      );
      return;
    }
    done(null, payload);
  });
}
