import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { createLogger, lazyChildLogger, sdkLogger } from './logger';
import { startTracing } from './tracing';
import { captureLog as capture } from '../test/helpers/log-capture';

describe('logs', () => {
  test('given a line written inside a traced span, then it carries the trace and span ids; outside, neither', () => {
    const { lines, stream } = capture();
    const log = createLogger('api', 'info', stream);
    const { tracer } = startTracing('logger-test', new InMemorySpanExporter(), { immediate: true });
    tracer.startActiveSpan('a request', (span) => {
      log.info('inside');
      span.end();
    });
    log.info('outside');
    const [inside, outside] = lines;
    expect(inside?.msg).toBe('inside');
    expect(inside?.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(inside?.span_id).toMatch(/^[0-9a-f]{16}$/);
    expect(outside).not.toHaveProperty('trace_id');
  });

  test('given a workflow log line through the SDK logger, then it is JSON with the service, workflowId, runId and orderId', () => {
    const { lines, stream } = capture();
    const log = createLogger('saga-worker', 'info', stream);
    sdkLogger(log).warn('notification failed', {
      workflowId: 'order-o-42',
      runId: 'run-1',
      namespace: 'default',
      kind: 'order-paid',
    });
    expect(lines).toEqual([
      expect.objectContaining({
        level: 40,
        service: 'saga-worker',
        msg: 'notification failed',
        orderId: 'o-42',
        workflowId: 'order-o-42',
        runId: 'run-1',
        kind: 'order-paid',
      }),
    ]);
    expect(typeof lines[0]?.time).toBe('string');
  });

  test('given a failed activity line, then its error shows type, message and stack', () => {
    const { lines, stream } = capture();
    class MongoServerSelectionError extends Error {
      errorLabelSet = new Set<string>();
    }
    const error = new MongoServerSelectionError('connect ECONNREFUSED 127.0.0.1:27017');
    sdkLogger(createLogger('saga-worker', 'info', stream)).warn('Activity failed', {
      workflowId: 'order-o-8',
      activityType: 'issueInvoice',
      error,
    });
    const logged = lines[0]?.error as { type?: string; message?: string; stack?: string };
    expect({ type: logged.type, message: logged.message }).toEqual({
      type: 'MongoServerSelectionError',
      message: 'connect ECONNREFUSED 127.0.0.1:27017',
    });
    expect(logged.stack).toContain('logger.unit.test');
  });

  test('given an activity line, then its run id is `runId` and its task token is left out', () => {
    const { lines, stream } = capture();
    sdkLogger(createLogger('saga-worker', 'info', stream)).info('email sent', {
      workflowId: 'order-o-7',
      workflowRunId: 'run-7',
      taskToken: 'CiQwMWEy',
      activityType: 'sendOrderEmail',
    });
    expect(lines[0]).toMatchObject({ orderId: 'o-7', workflowId: 'order-o-7', runId: 'run-7' });
    expect(lines[0]).not.toHaveProperty('taskToken');
    expect(lines[0]).not.toHaveProperty('workflowRunId');
  });

  test('given personal data or secrets in a line, then they are redacted, wherever they sit', () => {
    const { lines, stream } = capture();
    const log = createLogger('api', 'info', stream);
    log.info(
      {
        customer: { id: 'c-1', email: 'ada@example.com', phone: '+4915112345678' },
        subscription: { secret: 'whsec_abc' },
        req: { headers: { authorization: 'Bearer admin-key-123' } },
      },
      'something about c-1',
    );
    const text = JSON.stringify(lines);
    for (const leaked of ['ada@example.com', '+4915112345678', 'whsec_abc', 'admin-key-123']) {
      expect(text).not.toContain(leaked);
    }
    expect(lines[0]).toMatchObject({ customer: { id: 'c-1', email: '[redacted]' } });
  });

  test('given a line below the level, then nothing is written; a non-order workflow gets no orderId', () => {
    const { lines, stream } = capture();
    const log = createLogger('webhook-worker', 'warn', stream);
    sdkLogger(log).info('quiet');
    sdkLogger(log).error('delivery failed', { workflowId: 'webhook-msg_1', runId: 'r' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toHaveProperty('orderId');
  });

  test('given a request logger at level warn, when the request logs below it, then no child is made; when it warns, the line has its bindings, redacted', () => {
    const { lines, stream } = capture();
    const log = createLogger('api', 'warn', stream);
    const child = jest.spyOn(log, 'child');
    const request = lazyChildLogger(log, { reqId: 'req-7' }, {});
    request.info({ res: { statusCode: 200 } }, 'request completed');
    request.debug('incoming request');
    expect(child).not.toHaveBeenCalled();
    expect(lines).toEqual([]);
    request.warn({ email: 'ada@example.com' }, 'slow store');
    request.error('failed');
    expect(child).toHaveBeenCalledTimes(1);
    expect(lines).toEqual([
      expect.objectContaining({ level: 40, reqId: 'req-7', email: '[redacted]', msg: 'slow store' }),
      expect.objectContaining({ level: 50, reqId: 'req-7', msg: 'failed' }),
    ]);
  });

  test('given a route that logs at its own level, then the request logger follows that level', () => {
    const { lines, stream } = capture();
    const log = createLogger('api', 'warn', stream);
    const request = lazyChildLogger(log, { reqId: 'req-8' }, { level: 'debug' });
    expect(request.level).toBe('debug');
    request.debug('incoming request');
    request.trace('not this');
    expect(lines).toEqual([expect.objectContaining({ level: 20, reqId: 'req-8', msg: 'incoming request' })]);
  });
});
