import { AppError } from '@shequ/core';
import { z } from 'zod';
import { deviceNameRe } from '../registry/devices-service.ts';
import { expressionProblem } from './expression.ts';
import { scheduleProblem } from './schedule.ts';

const productKey = z.string().regex(/^[a-z0-9]{4,32}$/, 'a product key is 4–32 lowercase letters or digits');
const deviceName = z.string().regex(deviceNameRe, 'a device name is 4–32 letters, digits or _.:@-');
const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,49}$/, 'an identifier of the thing model');
const condition = z
  .string()
  .max(2000)
  .superRefine((src, ctx) => {
    const problem = expressionProblem(src);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
const tagMap = z.record(z.string().regex(/^[a-z][a-z0-9_]{0,31}$/), z.string().max(64));

export const triggerSchema = z
  .object({
    kind: z.enum(['property', 'event', 'state', 'schedule']),
    productKey,
    /** One device; absent: every device of the product. */
    deviceName: deviceName.optional(),
    /** A property (any of the post) or an event identifier; absent: any. */
    identifier: identifier.optional(),
    /** For `state` triggers: online, offline, or either. */
    state: z.enum(['online', 'offline']).optional(),
    /**
     * For `schedule` triggers: five cron fields read in Asia/Shanghai (`0 8 * * *` is 08:00 daily). At each matching
     * minute the rule is judged once for every enabled device the trigger selects, with its latest property values.
     */
    cron: z.string().max(100).optional(),
  })
  .superRefine((t, ctx) => {
    if (t.kind === 'schedule') {
      const problem = t.cron ? scheduleProblem(t.cron) : 'a schedule trigger needs a cron expression';
      if (problem) ctx.addIssue({ code: 'custom', path: ['cron'], message: problem });
    } else if (t.cron !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['cron'], message: 'only a schedule trigger takes a cron expression' });
    }
  });

/** Devices a `device` action addresses: listed, or selected by product and tags in the rule's community. */
export const targetSchema = z
  .object({
    devices: z.array(z.object({ productKey, deviceName })).max(200).optional(),
    productKey: productKey.optional(),
    tags: tagMap.optional(),
    /** Tags whose value must equal the triggering device's (e.g. `building`: the gates of the same building). */
    sameTags: z
      .array(z.string().regex(/^[a-z][a-z0-9_]{0,31}$/))
      .max(10)
      .optional(),
  })
  .refine((t) => t.devices?.length || t.productKey, {
    message: 'list devices or give the productKey to select them by',
  });

const severity = z.enum(['info', 'minor', 'major', 'critical']);
const text = z.string().min(1).max(500);

export const actionSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('store'),
    table: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, 'a table name is lowercase letters, digits and _'),
    /** Columns computed by expressions; absent: the whole event. */
    fields: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,49}$/), condition).optional(),
  }),
  z.object({
    kind: z.literal('forward'),
    /** Appended to `shequ.rules.`: lowercase tokens separated by dots. */
    subject: z.string().regex(/^[a-z0-9_-]+(\.[a-z0-9_-]+){0,5}$/, 'lowercase tokens separated by dots'),
  }),
  z.object({ kind: z.literal('alarm'), severity, title: text }),
  z.object({
    kind: z.literal('device'),
    target: targetSchema,
    command: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('set'), params: z.record(z.string(), z.unknown()) }),
      z.object({ kind: z.literal('service'), service: identifier, params: z.record(z.string(), z.unknown()) }),
    ]),
  }),
  z.object({
    kind: z.literal('notify'),
    /** Users holding one of these roles in the community receive the message. */
    roles: z
      .array(z.string().regex(/^[a-z_]{2,40}$/))
      .min(1)
      .max(10),
    /** `{deviceName}`, `{productKey}`, `{event}`, `{rule}` and `{tags.<key>}` are filled in. */
    text,
  }),
  z.object({
    kind: z.literal('points'),
    /**
     * Earning rule (DB33 7.4.2): awards points (or time-bank minutes) from the community pool to the resident an
     * expression over the event names by platform user id, e.g. `params.personRef` of a waste-sorting drop.
     */
    user: condition,
    /** Whole points per event, or an expression over it (e.g. `params.weight * 5`). */
    amount: z.union([z.number().int().min(1).max(10_000), condition]),
    ledger: z.enum(['points', 'time']).default('points'),
    /** The reason on the resident's history; `{deviceName}`, `{event}`, `{rule}` are filled in. */
    reason: z.string().min(1).max(200),
  }),
  z.object({
    kind: z.literal('plugin'),
    /** An app enabled in the community, and one of its handlers; it receives the rule and the event. */
    pluginId: z
      .string()
      .min(3)
      .max(64)
      .regex(/^[a-z][a-z0-9]*(?:[.-][a-z0-9]+)*$/, 'an app id'),
    handler: z.string().regex(/^[a-zA-Z][a-zA-Z0-9]{0,63}$/, 'a handler name of the app'),
  }),
]);

export const ruleInputSchema = z.object({
  name: z.string().trim().min(1).max(64),
  description: z.string().max(500).optional(),
  enabled: z.boolean().default(true),
  trigger: triggerSchema,
  condition: condition.default(''),
  debounceSeconds: z
    .number()
    .int()
    .min(0)
    .max(7 * 86_400)
    .default(0),
  actions: z.array(actionSchema).min(1).max(20),
});

export type RuleTrigger = z.infer<typeof triggerSchema>;
export type RuleAction = z.infer<typeof actionSchema>;
export type RuleInput = z.input<typeof ruleInputSchema>;
export type RuleDefinition = z.infer<typeof ruleInputSchema>;

/** Validates a rule; the error names every wrong field (`actions.1.severity`) in Chinese and English. */
export function parseRule(input: unknown): RuleDefinition {
  const r = ruleInputSchema.safeParse(input);
  if (r.success) return r.data;
  const fieldErrors: Record<string, string[]> = {};
  for (const issue of r.error.issues) {
    const key = issue.path.join('.') || '_';
    fieldErrors[key] = [...(fieldErrors[key] ?? []), issue.message];
  }
  const fields = Object.keys(fieldErrors).join(', ');
  throw new AppError('INVALID_INPUT', {
    zh: `规则有误，请检查字段：${fields}`,
    en: `Invalid rule: check ${fields}`,
    fieldErrors,
  });
}

/**
 * The rule contract as JSON Schema (`schemas/iot/rule.schema.json`), generated from the zod schema so the two never
 * drift; a test compares the committed file. The condition's grammar is checked by the parser, not the schema.
 */
export function ruleJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(ruleInputSchema, { io: 'input', unrepresentable: 'any' }),
    $id: 'https://shequ.dev/schemas/iot/rule.schema.json',
    title: 'Shequ IoT rule',
    description: 'A rule of the IoT engine (DB33 7.3.2.5): trigger, condition expression, debounce and actions.',
  };
}
