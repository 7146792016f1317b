/**
 * Types of `ctx.collections.<name>`: the app's own records, validated against the collection's JSON Schema on every
 * write. The query shape is the one the platform accepts (`collectionQuery` in the runtime); anything else is refused
 * with INVALID_INPUT.
 */

/** A JSON scalar a filter compares with. Strings in filters are at most 2,000 characters. */
export type Scalar = string | number | boolean | null;

/**
 * One filter on a field: a scalar means "equals"; an object combines operators (all must hold).
 * Range operators compare values of the same JSON type only; `contains` is a case-insensitive substring match.
 */
export type Condition =
  | Scalar
  | {
      eq?: Scalar;
      ne?: Scalar;
      /** One of up to 100 values. */
      in?: Scalar[];
      gt?: string | number;
      gte?: string | number;
      lt?: string | number;
      lte?: string | number;
      /** Substring (1–200 characters), case-insensitive; strings only. */
      contains?: string;
    };

/** Fields every stored record has; set by the platform, never by the app. */
export interface SystemFields {
  /** A UUID. */
  id: string;
  /** ISO 8601 time of the insert. */
  createdAt: string;
  /** ISO 8601 time of the last update. */
  updatedAt: string;
}

/** A record as handlers read it: the platform's fields, then the data. */
export type Stored<T> = SystemFields & T;

/** Names a query may filter and order on: the schema's properties and the system fields. */
export type FieldOf<T> = Extract<keyof T, string> | keyof SystemFields;

/** What `find()` and `count()` accept. Without `orderBy`, newest first. */
export interface Query<T = Record<string, unknown>> {
  /** Filters by field; every one must hold. Fields must be declared in the collection's schema. */
  where?: Partial<Record<FieldOf<T>, Condition>>;
  /** Up to three orderings; ties are broken by id. */
  orderBy?: { field: FieldOf<T>; dir?: 'asc' | 'desc' }[];
  /** Page size, 1–200 (default 50). */
  limit?: number;
  /** Records to skip, 0–10,000 (default 0). */
  offset?: number;
}

/** One page of records and how many match in all. */
export interface FindResult<T> {
  items: Stored<T>[];
  total: number;
}

/** A partial update: listed fields replace the stored ones; `null` removes a field. The result must still match. */
export type Patch<T> = { [K in keyof T]?: T[K] | null };

/** The operations on one collection, scoped to this app and this community. */
export interface CollectionApi<T = Record<string, unknown>> {
  /** Records matching the query, one page at a time. */
  find(query?: Query<T>): Promise<FindResult<T>>;
  /** One record by id, or null when there is none (in this community). */
  get(id: string): Promise<Stored<T> | null>;
  /** Validates and stores a new record; throws INVALID_INPUT with field errors when it breaks the schema. */
  insert(record: T): Promise<Stored<T>>;
  /** Merges a patch into a record and validates the result; null when the record does not exist. */
  update(id: string, patch: Patch<T>): Promise<Stored<T> | null>;
  /** Removes a record. */
  delete(id: string): Promise<{ deleted: boolean }>;
  /** How many records match the filters. */
  count(query?: Pick<Query<T>, 'where'>): Promise<number>;
}

/** Record types by collection name, as the manifest declares them. */
export type CollectionMap = Record<string, Record<string, unknown>>;

/** The collections of a context, typed from a collection map. */
export type Collections<C extends object> = { readonly [K in keyof C]: CollectionApi<C[K]> };
