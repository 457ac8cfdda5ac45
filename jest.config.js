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
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  // Integration tests start real servers; two workers fit this 2-core machine.
  maxWorkers: 2,
  testTimeout: 60_000,
};
