import { AppError } from '@shequ/core';
import type { FastifyReply } from 'fastify';

/** Answers an AppError in the platform's one error shape (REST routes; tRPC has its formatter); rethrows the rest. */
export function sendError(reply: FastifyReply, err: unknown, requestId: string) {
  if (err instanceof AppError) {
    return reply.code(err.status).send({
      error: {
        appCode: err.code,
        messageZh: err.messageZh,
        messageEn: err.messageEn,
        fieldErrors: err.fieldErrors,
        requestId,
      },
    });
  }
  throw err;
}
