import Fastify from 'fastify';

/**
 * The HTTP limit for the benchmark: Fastify answering `GET /orders/:id` with a constant, nothing else.
 * The constant is the bytes of a real order answer (`BARE_BODY`), sent as they are, as the API sends a
 * kept answer: the limit for serving that many bytes. `GET /small/:id` answers the 43-byte constant the
 * benchmark compared with before, kept for comparison.
 */
async function main(): Promise<void> {
  const app = Fastify({ logger: false });
  const small = { orderId: 'bench', status: 'COMPLETED' };
  const answer = process.env.BARE_BODY ?? JSON.stringify(small);
  app.get('/orders/:id', (_request, reply) => {
    void reply.type('application/json; charset=utf-8').send(answer);
  });
  app.get('/small/:id', async () => small);
  await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) });
  process.once('SIGTERM', () => void app.close());
  process.once('SIGINT', () => void app.close());
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
