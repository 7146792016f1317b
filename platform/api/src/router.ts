import { accessRouter } from './routers/access.ts';
import { adminRouter } from './routers/admin.ts';
import { authRouter } from './routers/auth.ts';
import { baseRouter } from './routers/base.ts';
import { bookingRouter } from './routers/booking.ts';
import { esignRouter } from './routers/esign.ts';
import { eventsRouter } from './routers/events.ts';
import { iotRouter } from './routers/iot.ts';
import { marketRouter } from './routers/market.ts';
import { messageRouter } from './routers/message.ts';
import { openapiRouter } from './routers/openapi.ts';
import { paymentRouter } from './routers/payment.ts';
import { pluginsRouter } from './routers/plugins.ts';
import { pointsRouter } from './routers/points.ts';
import { tenancyRouter } from './routers/tenancy.ts';
import { router } from './trpc.ts';

export const appRouter = router({
  auth: authRouter,
  tenancy: tenancyRouter,
  admin: adminRouter,
  base: baseRouter,
  plugins: pluginsRouter,
  points: pointsRouter,
  events: eventsRouter,
  booking: bookingRouter,
  access: accessRouter,
  message: messageRouter,
  payment: paymentRouter,
  esign: esignRouter,
  iot: iotRouter,
  market: marketRouter,
  openapi: openapiRouter,
});

export type AppRouter = typeof appRouter;
