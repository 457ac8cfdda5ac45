import {
  pino,
  type Bindings,
  type ChildLoggerOptions,
  type DestinationStream,
  type LogFn,
  type Logger as Pino,
} from 'pino';
import type { FastifyBaseLogger } from 'fastify';
import { DefaultLogger, type LogEntry, type LogLevel } from '@temporalio/worker';
import { activeTraceIds } from './tracing';

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
      // A line written inside a traced request, workflow or activity names its trace.
      mixin: () => activeTraceIds() ?? {},
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

type LevelName = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/** A request's logger until it first logs at a level that is on; then pino's child, made once. */
class LazyChildLogger implements FastifyBaseLogger {
  private made: FastifyBaseLogger | undefined;
  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
    readonly level: string,
    /** pino's numeric levels, and the lowest this logger writes */
    private readonly values: Record<string, number>,
    private readonly floor: number,
  ) {}

  /** pino's child, made the first time it is needed */
  private real(): FastifyBaseLogger {
    return (this.made ??= this.parent.child(this.bindings, this.options));
  }

  private write(name: LevelName, args: Parameters<LogFn>): void {
    if ((this.values[name] ?? 0) >= this.floor) this.real()[name](...args);
  }

  fatal(...args: Parameters<LogFn>): void {
    this.write('fatal', args);
  }
  error(...args: Parameters<LogFn>): void {
    this.write('error', args);
  }
  warn(...args: Parameters<LogFn>): void {
    this.write('warn', args);
  }
  info(...args: Parameters<LogFn>): void {
    this.write('info', args);
  }
  debug(...args: Parameters<LogFn>): void {
    this.write('debug', args);
  }
  trace(...args: Parameters<LogFn>): void {
    this.write('trace', args);
  }
  silent(): void {}
  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.real().child(bindings, options);
  }
}

/**
 * Fastify's per-request logger, made only when the request first logs at a level that is on. pino's
 * `child()` serializes and redacts the bindings (the request id) at once: about a twentieth of the
 * API's CPU on the read path went to loggers of requests that then logged nothing (at level warn, a
 * read logs nothing). What is logged is unchanged: the same child, with the same bindings and options.
 */
export function lazyChildLogger(
  parent: FastifyBaseLogger,
  bindings: Bindings,
  options: ChildLoggerOptions,
): FastifyBaseLogger {
  const values = (parent as Partial<Pick<Pino, 'levels'>>).levels?.values;
  const level = options.level ?? parent.level;
  const floor = values?.[level];
  // Not pino, or a level it does not know: the usual child.
  if (values === undefined || floor === undefined) return parent.child(bindings, options);
  return new LazyChildLogger(parent, bindings, options, level, values, floor);
}
