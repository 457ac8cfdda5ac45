/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['@swc/jest'],
    // light-my-request (fastify.inject) requires `cookie` and @fastify/send requires `content-disposition`,
    // which ship ESM only; Node 20 runs them (require(esm)), Node 20's jest cannot.
    '/node_modules/(cookie|content-disposition)/.+\\.js$': ['@swc/jest', { module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(cookie|content-disposition)/)'],
  testMatch: ['<rootDir>/**/*.test.ts'],
  // The cluster tier (`npm run test:cluster`: PostgreSQL, the Temporal server, nginx) runs on its own.
  testPathIgnorePatterns: [
    '/node_modules/',
    '/dist/',
    ...(process.env.CLUSTER_TESTS ? [] : ['\\.cluster\\.test\\.ts$']),
  ],
  // Integration tests start real servers; two workers fit this 2-core machine.
  maxWorkers: 2,
  testTimeout: 60_000,
};
