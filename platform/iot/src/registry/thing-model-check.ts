import { AppError } from '@shequ/core';
import { fieldErrors, type ThingModel, thingModelSchema, validatorFor } from '@shequ/schemas';

/** Validates a TSL document at the boundary: schema first, then identifiers unique within each list. */
export function checkThingModel(raw: unknown): ThingModel {
  const validate = validatorFor(thingModelSchema);
  if (!validate(raw)) {
    throw new AppError('INVALID_INPUT', {
      zh: '物模型不符合 TSL 格式',
      en: 'The thing model is not valid TSL',
      fieldErrors: fieldErrors(validate.errors),
    });
  }
  const model = raw as ThingModel;
  const errors: Record<string, string[]> = {};
  for (const list of ['properties', 'events', 'services'] as const) {
    const seen = new Set<string>();
    model[list].forEach((x, i) => {
      if (seen.has(x.identifier)) errors[`${list}.${i}.identifier`] = [`duplicate identifier "${x.identifier}"`];
      seen.add(x.identifier);
    });
  }
  // `post` and `property` are reserved: they name Alink's own topics (thing/event/property/post).
  model.events.forEach((e, i) => {
    if (e.identifier === 'property') errors[`events.${i}.identifier`] = ['"property" is reserved'];
  });
  model.services.forEach((s, i) => {
    if (s.identifier === 'property') errors[`services.${i}.identifier`] = ['"property" is reserved'];
  });
  if (Object.keys(errors).length) {
    throw new AppError('INVALID_INPUT', {
      zh: '物模型标识符重复或保留',
      en: 'Duplicate or reserved identifiers',
      fieldErrors: errors,
    });
  }
  return model;
}
