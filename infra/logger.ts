import { pino, type DestinationStream, type Logger as Pino } from 'pino';
import { DefaultLogger, type LogEntry, type LogLevel } from '@temporalio/worker';

/**
 * Personal data and secrets never reach a log line: these paths are replaced wherever they appear
 * (request headers, SDK metadata, activity arguments).
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["idempotency-key"]',
  '*.authorization',
  '*.secret',
  '*.secrets',
  '*.password',
  '*.token',
  '*.email',
  '*.phone',
  'email',
  'phone',
  'secret',
];

/** The JSON logger of one process: `service` on every line, personal data and secrets redacted. */
export function createLogger(service: string, level: string, destination?: DestinationStream): Pino {
  return pino(
    {
      level,
      base: { service },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      // The SDK logs a failed activity's error under `error`: its type, message and stack, not just
      // its own enumerable fields (a MongoError alone printed as `{"errorLabelSet":{}}`).
      serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

/** `order-<id>` is an order's workflow id: its log lines carry the order id too. */
export function orderIdOf(workflowId: unknown): string | undefined {
  return typeof workflowId === 'string' && workflowId.startsWith('order-') ? workflowId.slice(6) : undefined;
}

const LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * The Temporal SDK's logger writing through pino: workflow lines (through the SDK's logger sink) and
 * activity lines (through their context) arrive with `workflowId` and `runId` (activities say
 * `workflowRunId`: one name here); an order's lines get its `orderId` as well.
 */
export function sdkLogger(log: Pino, level: LogLevel = 'INFO'): DefaultLogger {
  return new DefaultLogger(level, (entry: LogEntry) => {
    // An activity's task token completes the activity: it is a credential, never logged.
    const { taskToken: _token, workflowRunId, ...meta } = (entry.meta ?? {}) as Record<string, unknown>;
    const orderId = (meta.orderId as string | undefined) ?? orderIdOf(meta.workflowId);
    const runId = meta.runId ?? workflowRunId;
    log[LEVELS[entry.level]](
      { ...meta, ...(runId ? { runId } : {}), ...(orderId ? { orderId } : {}) },
      entry.message,
    );
  });
}
