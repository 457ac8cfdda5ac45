import Fastify from 'fastify';

/** The HTTP limit for the benchmark: Fastify answering GET /orders/:id with a constant, nothing else. */
async function main(): Promise<void> {
  const app = Fastify({ logger: false });
  const body = { orderId: 'bench', status: 'COMPLETED' };
  app.get('/orders/:id', async () => body);
  await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) });
  process.once('SIGTERM', () => void app.close());
  process.once('SIGINT', () => void app.close());
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
