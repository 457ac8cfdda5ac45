import { MongoNetworkError, MongoServerSelectionError, MongoTopologyClosedError } from 'mongodb';
import type { FastifyReply } from 'fastify';

/** RFC 9457 problem details; `errors` names each offending field. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: FieldError[];
}

/** A field of the request and what is wrong with it. */
export interface FieldError {
  field: string;
  message: string;
}

/** What an HttpProblem answers with; `type` defaults to about:blank, `detail` to the title. */
export interface ProblemOptions {
  status: number;
  title: string;
  detail?: string;
  type?: string;
  errors?: FieldError[];
  /** the error behind a 5xx, logged, never sent */
  cause?: unknown;
}

/** An error a route throws to answer with problem+json (registerProblemHandlers sends it). */
export class HttpProblem extends Error {
  readonly status: number;
  readonly title: string;
  readonly type: string;
  readonly errors?: FieldError[];

  constructor(options: ProblemOptions) {
    super(
      options.detail ?? options.title,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.status = options.status;
    this.title = options.title;
    this.type = options.type ?? 'about:blank';
    if (options.errors) this.errors = options.errors;
  }
}

/** The MongoDB driver's errors for a server it cannot reach (as opposed to a refused operation). */
export const storeUnreachable = (err: unknown): boolean =>
  err instanceof MongoNetworkError ||
  err instanceof MongoServerSelectionError ||
  err instanceof MongoTopologyClosedError;

export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  return reply.status(problem.status).type('application/problem+json').send(problem);
}
