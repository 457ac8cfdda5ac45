import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Payload } from '@temporalio/common';
import { AesGcmPayloadCodec } from '../../infra/payload-codec';
import type { AppDeps } from '../deps';
import { PUBLIC, STAFF } from '../auth/access';
import { bearerToken, SESSION_COOKIE, sessionCookie } from '../auth/session';
import { HttpProblem } from '../problem';
import { Problem } from '../schemas';

/** Temporal's remote codec protocol: payloads as JSON, metadata values and data in base64. */
const JsonPayload = Type.Object(
  {
    metadata: Type.Optional(Type.Record(Type.String(), Type.String({ maxLength: 1024 }))),
    data: Type.Optional(Type.String({ maxLength: 4 * 1024 * 1024 })),
  },
  { additionalProperties: false },
);
const Payloads = Type.Object(
  { payloads: Type.Array(JsonPayload, { maxItems: 1000 }) },
  { additionalProperties: false },
);
type JsonPayload = Static<typeof JsonPayload>;

const fromJson = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
  ),
  data: Buffer.from(p.data ?? '', 'base64'),
});

const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [
      k,
      Buffer.from(v ?? new Uint8Array()).toString('base64'),
    ]),
  ),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

const CODEC_HEADERS = 'content-type, x-namespace, authorization';

/**
 * Decoded one by one: a payload this key ring cannot open (written under a key since retired, or not
 * ours) stays as it is, and the rest of the history still reads.
 */
async function decodeEach(codec: AesGcmPayloadCodec | undefined, payloads: Payload[]): Promise<Payload[]> {
  if (!codec) return payloads;
  return Promise.all(
    payloads.map(async (p) => {
      try {
        return (await codec.decode([p]))[0] ?? p;
      } catch {
        return p;
      }
    }),
  );
}

/**
 * The CORS answer for the Web UI's origins (and none for any other): the UI's browser sends the
 * operator's credentials (its token, or the session cookie), so the origin is named, never `*`.
 */
function allowOrigin(allowed: readonly string[], request: FastifyRequest, reply: FastifyReply): void {
  const origin = request.headers.origin;
  void reply.header('vary', 'origin');
  if (origin === undefined || !allowed.includes(origin)) return;
  void reply.headers({
    'access-control-allow-origin': origin,
    'access-control-allow-credentials': 'true',
  });
}

/**
 * A codec server for the Temporal Web UI and CLI (`POST /codec/decode`, `/codec/encode`): what an
 * operator reads in a history is decoded here, for support and admins only, with the key ring the
 * workers use. The Web UI calls it from its own origin (CODEC_CORS_ORIGINS), with the operator's token
 * (an identity provider's, when the UI passes its access token) or the session cookie that
 * `/codec/login` sets. It serves nothing when no keys are configured.
 */
export function codecRoutes(deps: AppDeps): FastifyPluginAsync {
  const origins = deps.codecOrigins ?? [];
  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    // On every answer of these routes, refusals included: the UI then reads a 401 as a 401.
    app.addHook('onRequest', (request, reply, done) => {
      allowOrigin(origins, request, reply);
      done();
    });
    const keys = deps.secretKeys;
    const codec = keys && new AesGcmPayloadCodec(keys);
    const schema = {
      tags: ['operations'],
      body: Payloads,
      response: { 200: Payloads, '4xx': Problem, '5xx': Problem },
    };

    for (const [path, convert] of [
      ['/codec/decode', (p: Payload[]) => decodeEach(codec, p)],
      ['/codec/encode', (p: Payload[]) => codec?.encode(p) ?? Promise.resolve(p)],
    ] as const) {
      app.options(path, { config: { access: PUBLIC } }, (_request, reply) => {
        void reply
          .headers({
            'access-control-allow-methods': 'POST',
            'access-control-allow-headers': CODEC_HEADERS,
            'access-control-max-age': '600',
          })
          .status(204)
          .send();
      });
      app.post(path, { config: { access: STAFF, cookie: SESSION_COOKIE }, schema }, async (request) => {
        if (!codec)
          throw new HttpProblem({
            status: 404,
            title: 'Not found',
            detail: 'payloads are not encrypted here: no codec',
          });
        return { payloads: (await convert(request.body.payloads.map(fromJson))).map(toJson) };
      });
    }

    app.post(
      '/codec/session',
      { config: { access: STAFF }, schema: { tags: ['operations'] } },
      async (request, reply) => {
        const token = bearerToken(request.headers.authorization ?? '') ?? '';
        const { exp } = request.server.jwt.decode<{ exp: number }>(token, { complete: false }) ?? { exp: 0 };
        return reply
          .header('set-cookie', sessionCookie(request, token, exp))
          .status(204)
          .send();
      },
    );
    app.delete(
      '/codec/session',
      { config: { access: PUBLIC }, schema: { tags: ['operations'] } },
      (request, reply) => reply.header('set-cookie', sessionCookie(request, null)).status(204).send(),
    );
    app.get('/codec/login', { config: { access: PUBLIC }, schema: { hide: true } }, (_request, reply) =>
      reply.type('text/html; charset=utf-8').send(LOGIN_PAGE),
    );
    app.get('/codec/login.js', { config: { access: PUBLIC }, schema: { hide: true } }, (_request, reply) =>
      reply.type('text/javascript; charset=utf-8').send(LOGIN_SCRIPT),
    );
  };
}

/**
 * Signs an operator in to the codec server for the Web UI: the token comes in the URL's fragment
 * (`/codec/login#<token>`, never sent to a server, so never in a log) or is pasted, and is kept in the
 * session cookie. The script is a file of its own: the content security policy allows no inline script.
 */
const LOGIN_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Codec server sign-in</title>
<script src="/codec/login.js" defer></script></head>
<body><h1>Decode payloads in the Temporal Web UI</h1>
<p>Sign in with a support or admin token; the Web UI's codec requests then carry it (turn on
<em>Include cross-origin credentials</em> in the UI's codec settings).</p>
<form id="login"><input id="token" type="password" placeholder="token" size="60"><button>Sign in</button></form>
<p id="status" role="status"></p></body></html>
`;

const LOGIN_SCRIPT = `'use strict';
async function signIn(token) {
  const status = document.getElementById('status');
  const res = await fetch('/codec/session', { method: 'POST', headers: { authorization: 'Bearer ' + token } });
  status.textContent = res.status === 204
    ? 'Signed in: the Web UI can decode payloads now.'
    : 'Refused (' + res.status + '): ' + ((await res.json().catch(() => ({}))).detail || '');
}
document.getElementById('login').addEventListener('submit', (e) => {
  e.preventDefault();
  void signIn(document.getElementById('token').value.trim());
});
const fromFragment = location.hash.slice(1);
if (fromFragment) {
  history.replaceState(null, '', location.pathname);
  void signIn(fromFragment);
}
`;
