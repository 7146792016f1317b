export { openApiDocument } from './open/document.ts';
export { canonicalQuery, openApiHeaders, signOpenApiRequest, stringToSign } from './open/signing.ts';
export type { AppRouter } from './router.ts';
export { appRouter } from './router.ts';
export { openApiBodyLimit, registerOpenApiRoutes } from './routes/open-api.ts';
export * from './server.ts';
export { SESSION_COOKIE } from './session-cookie.ts';
export type { Context } from './trpc.ts';
export { createCallerFactory, toAppError } from './trpc.ts';
