/**
 * Code run inside each sandbox context before the plugin's bundle. It builds `ctx` for every invocation and turns
 * every way out into a call on the one bridge reference `$0`. Values cross the boundary only as JSON strings, so a
 * plugin never holds a host object, and a result holding a function, a symbol or a bigint is refused rather than
 * silently dropped.
 *
 * `$1` is a shared counter of the invocations running in this isolate (all contexts). A bridge call normally hands
 * the isolate back while the host works (`apply` with a result promise) and resumes on a pool thread when the answer
 * comes. When it is the only call in flight of the only invocation in the isolate, nothing else could use the
 * isolate meanwhile, so it waits in place instead (`applySyncPromise`): the same answer, a thread hand-over less.
 * Calls made in one synchronous stretch (`Promise.all`) are sent together the async way, so they still overlap, and
 * `http.fetch`, which can take seconds, never waits in place. See bench/bridge-hops.ts.
 */
export const guestBootstrap = `
const bridgeRef = $0;
const running = $1 ? new Int32Array($1) : null;
const atomicLoad = Atomics.load;
const toHost = { arguments: { copy: true }, result: { promise: true, copy: true } };
const toHostInPlace = { arguments: { copy: true } };
let queued = [];
let waiting = 0;
const stringify = JSON.stringify;
const parse = JSON.parse;
const hasOwn = Object.prototype.hasOwnProperty;

function serialize(value, what) {
  return stringify(value === undefined ? null : value, function (key, v) {
    const t = typeof v;
    if (t === 'function' || t === 'symbol' || t === 'bigint') {
      throw new TypeError(what + ' holds a ' + t + (key ? ' at "' + key + '"' : ''));
    }
    return v;
  });
}

function describe(value) {
  try {
    if (value === null) return 'null';
    const t = typeof value;
    if (t === 'object') return 'an object ' + String(stringify(value)).slice(0, 200);
    return 'a ' + t + ' ' + String(value).slice(0, 200);
  } catch (e) {
    return 'a value that cannot be described';
  }
}

function failure(err) {
  try {
    if (err instanceof Error) {
      const code = typeof err.shequCode === 'string' ? err.shequCode : undefined;
      return {
        kind: err.name === 'BridgeError' ? 'bridge' : code ? 'app' : 'error',
        code: code,
        message: String(err.name) + ': ' + String(err.message).slice(0, 2000),
        zh: typeof err.zh === 'string' ? err.zh.slice(0, 500) : undefined,
        en: typeof err.en === 'string' ? err.en.slice(0, 500) : undefined,
        fieldErrors: code && err.fieldErrors && typeof err.fieldErrors === 'object' ? parse(serialize(err.fieldErrors, 'fieldErrors')) : undefined,
      };
    }
    return { kind: 'thrown', message: 'threw ' + describe(err) + ' instead of an Error' };
  } catch (e) {
    return { kind: 'thrown', message: 'threw a value whose properties could not be read' };
  }
}

function alone() {
  return waiting === 0 && running !== null && atomicLoad(running, 0) <= 1;
}

function overPool(c) {
  waiting++;
  return bridgeRef.apply(undefined, [c.inv, c.op, c.payload], toHost).then(
    function (text) { waiting--; return text; },
    function (e) { waiting--; throw e; },
  );
}

function flush() {
  const calls = queued;
  queued = [];
  if (calls.length === 1 && alone()) {
    const c = calls[0];
    let text;
    try {
      text = bridgeRef.applySyncPromise(undefined, [c.inv, c.op, c.payload], toHostInPlace);
    } catch (e) {
      c.reject(e);
      return;
    }
    c.resolve(text);
    return;
  }
  // Index loops and assignments, not push or iterators: the plugin may have replaced those in its own globals.
  for (let i = 0; i < calls.length; i++) {
    const c = calls[i];
    overPool(c).then(c.resolve, c.reject);
  }
}

function bridge(inv, op, args) {
  let payload;
  try {
    payload = serialize(args, 'the arguments of ' + op);
  } catch (e) {
    return Promise.reject(e);
  }
  const call = { inv: inv, op: op, payload: payload, resolve: null, reject: null };
  // Only a call that may wait in place is held to the end of the synchronous stretch; the rest go at once.
  const sent =
    queued.length === 0 && (op === 'http.fetch' || !alone())
      ? overPool(call)
      : new Promise(function (resolve, reject) {
          call.resolve = resolve;
          call.reject = reject;
          queued[queued.length] = call;
          if (queued.length === 1) Promise.resolve().then(flush);
        });
  return sent
    .then(function (text) {
      const res = parse(text);
      if (res.ok) return res.value === undefined ? undefined : parse(res.value);
      const e = new Error(res.error.en || res.error.message);
      e.name = 'BridgeError';
      e.shequCode = res.error.code;
      e.zh = res.error.zh;
      e.en = res.error.en;
      e.fieldErrors = res.error.fieldErrors;
      throw e;
    });
}

function namespace(fn) {
  return new Proxy(Object.create(null), {
    get: function (_, name) { return typeof name === 'string' ? fn(name) : undefined; },
    set: function () { return false; },
  });
}

function makeCtx(inv, meta, logs) {
  const collections = namespace(function (name) {
    return Object.freeze({
      find: function (query) { return bridge(inv, 'collections.find', { collection: name, query: query || {} }); },
      get: function (id) { return bridge(inv, 'collections.get', { collection: name, id: id }); },
      insert: function (record) { return bridge(inv, 'collections.insert', { collection: name, record: record }); },
      update: function (id, patch) { return bridge(inv, 'collections.update', { collection: name, id: id, patch: patch }); },
      delete: function (id) { return bridge(inv, 'collections.delete', { collection: name, id: id }); },
      count: function (query) { return bridge(inv, 'collections.count', { collection: name, query: query || {} }); },
    });
  });
  const services = namespace(function (service) {
    return namespace(function (action) {
      return function (args) { return bridge(inv, 'services.call', { service: service, action: action, args: args === undefined ? {} : args }); };
    });
  });
  const data = namespace(function (scope) {
    return Object.freeze({
      list: function (query) { return bridge(inv, 'data.list', { scope: scope, query: query || {} }); },
    });
  });
  const log = function (level) {
    return function () {
      if (logs.length >= 100) return;
      const parts = [];
      for (let i = 0; i < arguments.length; i++) {
        const a = arguments[i];
        try { parts.push(typeof a === 'string' ? a : stringify(a)); } catch (e) { parts.push(String(a)); }
      }
      logs.push([level, parts.join(' ').slice(0, 2000)]);
    };
  };
  return Object.freeze({
    community: Object.freeze(meta.community),
    plugin: Object.freeze(meta.plugin),
    user: meta.user ? Object.freeze(meta.user) : null,
    settings: Object.freeze(meta.settings || {}),
    locale: meta.locale,
    collections: collections,
    services: services,
    data: data,
    emit: function (event, payload) { return bridge(inv, 'emit', { event: event, payload: payload === undefined ? {} : payload }); },
    http: Object.freeze({ fetch: function (url, init) { return bridge(inv, 'http.fetch', { url: String(url), init: init || {} }); } }),
    log: Object.freeze({ info: log('info'), warn: log('warn'), error: log('error') }),
  });
}

globalThis.__shequInvoke = function (inv, handler, input, metaText) {
  const logs = [];
  const done = function (text) { return '{"logs":' + stringify(logs) + ',' + text + '}'; };
  const fail = function (err) { return done('"ok":false,"error":' + stringify(failure(err))); };
  try {
    const exported = globalThis.__shequPlugin;
    const plugin = exported && exported.plugin;
    const handlers = plugin && plugin.handlers;
    const fn = handlers && hasOwn.call(handlers, handler) ? handlers[handler] : undefined;
    if (typeof fn !== 'function') {
      return Promise.resolve(done('"ok":false,"error":' + stringify({ kind: 'missing', message: 'the bundle exports no handler "' + handler + '"' })));
    }
    const ctx = makeCtx(inv, parse(metaText), logs);
    return Promise.resolve()
      .then(function () { return fn(parse(input), ctx); })
      .then(function (value) {
        try {
          return done('"ok":true,"value":' + stringify(serialize(value, 'the result')));
        } catch (e) {
          return fail(e);
        }
      }, fail);
  } catch (e) {
    return Promise.resolve(fail(e));
  }
};

globalThis.__shequHandlers = function () {
  const exported = globalThis.__shequPlugin;
  const handlers = exported && exported.plugin && exported.plugin.handlers;
  return stringify(handlers ? Object.keys(handlers).filter(function (k) { return typeof handlers[k] === 'function'; }) : []);
};
`;
