export type {
  AuditRecordArgs,
  CommunityStats,
  DataScopes,
  KeyCount,
  MapFeatureKind,
  MapFeatures,
  MaskedPerson,
  MessageSendArgs,
  PeopleQuery,
  Services,
  Text,
} from './capabilities.ts';
export type {
  CollectionApi,
  CollectionMap,
  Collections,
  Condition,
  FieldOf,
  FindResult,
  Patch,
  Query,
  Scalar,
  Stored,
  SystemFields,
} from './collections.ts';
export type { FetchAnswer, FetchInit, PluginContext, PluginLog, PluginUser } from './context.ts';
export { definePlugin, type Handler, type Handlers, type Json, type PluginDefinition } from './define.ts';
export {
  forbidden,
  invalidInput,
  notFound,
  PluginError,
  type PluginErrorCode,
  type PluginErrorOptions,
} from './errors.ts';
export {
  type Audience,
  action,
  type DashboardPageOptions,
  type DetailPageOptions,
  dashboardPage,
  definePages,
  detailPage,
  type FormPageOptions,
  field,
  formPage,
  type ListPageOptions,
  listPage,
  type Page,
  type PageAction,
  type PageField,
  text,
} from './pages.ts';
