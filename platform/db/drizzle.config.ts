import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './platform/db/src/schema/index.ts',
  out: './platform/db/migrations',
});
