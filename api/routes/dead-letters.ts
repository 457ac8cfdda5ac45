import { Type } from '@sinclair/typebox';
import { ADMIN } from '../auth/access';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { deliveryWorkflowId, startDelivery } from '../../activities/webhook-dispatch';
import { createSubscriptionStore } from '../../activities/webhook-subscriptions';
import {
  deadLettersCollection,
  decodeLetterCursor,
  encodeLetterCursor,
  listDeadLetters,
  type DeadLetter,
} from '../../projections/dead-letters/view';
import { deliveriesCollection, deliveryOf } from '../../projections/webhook-deliveries/view';
import type { NotificationKind } from '../../domain/notifications';
import { notificationRedriveWorkflow } from '../../workflows';
import type { AppDeps } from '../deps';
import { freshnessOf } from '../freshness';
import { HttpProblem } from '../problem';
import { Freshness } from '../query-schemas';
import { literals, Problem } from '../schemas';

const Status = literals(['open', 'redriving', 'redriven', 'closed'] as const);
const Letter = Type.Object({
  id: Type.String(),
  kind: Type.Union([Type.Literal('webhook'), Type.Literal('notification')]),
  status: Status,
  what: Type.String(),
  target: Type.String(),
  orderId: Type.String(),
  why: Type.String(),
  attempts: Type.Integer(),
  lastError: Type.Union([Type.String(), Type.Null()]),
  lastAttemptAt: Type.Union([Type.String(), Type.Null()]),
  redrives: Type.Integer(),
  freshness: Freshness,
});
const IdParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 300, pattern: '^[A-Za-z0-9_.:-]+$' }),
});
const errors = { '4xx': Problem, '5xx': Problem };
const admin = { tags: ['admin'] };

const answerOf = (doc: DeadLetter) => {
  const { _id, version: _v, projectedAt: _p, notification: _n, ...letter } = doc;
  return { id: _id, ...letter, freshness: freshnessOf(doc, 'mongodb') };
};

/** Dead letters and their redrive (the admin API). */
export function deadLetterRoutes(deps: AppDeps): FastifyPluginAsync {
  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    const subscriptions = createSubscriptionStore(deps.db);
    const find = async (id: string) => {
      const doc = await deadLettersCollection(deps.db).findOne({ _id: id });
      if (doc === null)
        throw new HttpProblem({
          status: 404,
          title: 'Dead letter not found',
          detail: `no dead letter ${id}`,
        });
      return doc;
    };

    const alreadyRedriving = (id: string) =>
      new HttpProblem({
        status: 409,
        title: 'Already redriving',
        detail: `dead letter ${id} is being redriven`,
      });

    /** A webhook goes again through its own delivery workflow, same webhook-id, attempts kept. */
    const redriveDelivery = async ({ _id: id }: DeadLetter): Promise<string> => {
      const view = await deliveriesCollection(deps.db).findOne({ _id: id });
      if (view === null) {
        throw new HttpProblem({
          status: 409,
          title: 'Not redrivable',
          detail: `the delivery of ${id} is not in the read model`,
        });
      }
      if ((await subscriptions.get(view.subscriptionId)) === null) {
        throw new HttpProblem({
          status: 409,
          title: 'Subscription deleted',
          detail: `subscription ${view.subscriptionId} no longer exists`,
        });
      }
      const delivery = deliveryOf(view);
      const again = { ...delivery, redrives: delivery.redrives + 1 };
      if (!(await startDelivery(deps.temporal, deps.webhooks, again))) throw alreadyRedriving(id);
      return deliveryWorkflowId(id, again.redrives);
    };

    /** A notification is sent again by a workflow of its own on the saga's queue (its activities). */
    const redriveNotification = async (letter: DeadLetter): Promise<string> => {
      const { _id: id, projectedAt: _p, notification, ...rest } = letter;
      if (!notification)
        throw new HttpProblem({
          status: 409,
          title: 'Not redrivable',
          detail: `dead letter ${id} lacks what to resend`,
        });
      // One run per redrive number: never collides with the tail of the previous run.
      const workflowId = `redrive-${id}-${letter.redrives + 1}`;
      try {
        await deps.temporal.workflow.start(notificationRedriveWorkflow, {
          taskQueue: deps.ordersTaskQueue,
          workflowId,
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          args: [
            {
              letter: {
                _id: id,
                ...rest,
                notification: { ...notification, kind: notification.kind as NotificationKind },
              },
              projectionsTaskQueue: deps.projectionsTaskQueue,
            },
          ],
          staticSummary: `redrive: ${letter.what}`,
        });
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError) throw alreadyRedriving(id);
        throw err;
      }
      return workflowId;
    };

    app.get(
      '/dead-letters',
      {
        config: { access: ADMIN },
        schema: {
          ...admin,
          querystring: Type.Object(
            {
              status: Type.Optional(Status),
              limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })),
              cursor: Type.Optional(
                Type.String({ maxLength: 512, description: 'nextCursor of the previous page' }),
              ),
            },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({
              items: Type.Array(Letter),
              nextCursor: Type.Union([Type.String(), Type.Null()]),
            }),
            ...errors,
          },
        },
      },
      async (request) => {
        const { status, limit = 50, cursor } = request.query;
        const after = cursor === undefined ? undefined : decodeLetterCursor(cursor);
        if (after === null) {
          throw new HttpProblem({
            status: 400,
            title: 'Invalid request',
            detail: 'not a cursor this API returned',
            errors: [{ field: 'querystring.cursor', message: 'not a cursor this API returned' }],
          });
        }
        const page = await listDeadLetters(deps.db, { status }, { limit, after });
        return { items: page.items.map(answerOf), nextCursor: page.next && encodeLetterCursor(page.next) };
      },
    );

    app.get(
      '/dead-letters/:id',
      {
        config: { access: ADMIN },
        schema: { ...admin, params: IdParams, response: { 200: Letter, ...errors } },
      },
      async (request) => {
        const doc = await find(request.params.id);
        return answerOf(doc);
      },
    );

    app.post(
      '/dead-letters/:id/redrive',
      {
        config: { access: ADMIN },
        schema: {
          ...admin,
          params: IdParams,
          response: {
            202: Type.Object({
              id: Type.String(),
              status: Type.Literal('redriving'),
              workflowId: Type.String(),
            }),
            ...errors,
          },
        },
      },
      async (request, reply) => {
        const { id } = request.params;
        const letter = await find(id);
        if (letter.status !== 'open') {
          throw new HttpProblem({
            status: 409,
            title: 'Not open',
            detail: `dead letter ${id} is ${letter.status}; only an open one is redriven`,
          });
        }
        const workflowId =
          letter.kind === 'webhook' ? await redriveDelivery(letter) : await redriveNotification(letter);
        request.log.info({ deadLetterId: id, orderId: letter.orderId }, 'dead letter redriven');
        return reply
          .status(202)
          .header('location', `/dead-letters/${id}`)
          .send({ id, status: 'redriving' as const, workflowId });
      },
    );
  };
}
