import { AppError } from '@shequ/core';
import { compileAuthorSchema, fieldErrors, type HandlerSpec, type PluginManifest } from '@shequ/schemas';
import type { BridgeCall } from './services.ts';

/**
 * What the host checks before a handler runs, shared by the platform and the SDK's test host: the handler is
 * declared, a page caller holds one of its roles (system calls — events, jobs — skip that), and the input matches
 * the handler's input schema.
 */
export function checkCall(
  manifest: PluginManifest,
  handler: string,
  input: unknown,
  user: BridgeCall['user'],
  via: 'page' | 'system',
): HandlerSpec {
  const spec = Object.hasOwn(manifest.handlers, handler) ? manifest.handlers[handler] : undefined;
  if (!spec) throw new AppError('NOT_FOUND', { zh: '应用没有这个功能', en: `The app has no handler "${handler}"` });
  if (via === 'page' && (!user || !(spec.roles ?? []).includes(user.role))) {
    throw new AppError('FORBIDDEN', {
      zh: '您不能使用该应用的这项功能',
      en: 'You may not use this function of the app',
    });
  }
  if (spec.input) {
    const v = compileAuthorSchema(spec.input);
    if (!v(input)) {
      throw new AppError('INVALID_INPUT', {
        zh: '请检查填写的内容',
        en: 'Please check the marked fields',
        fieldErrors: fieldErrors(v.errors),
      });
    }
  }
  return spec;
}
