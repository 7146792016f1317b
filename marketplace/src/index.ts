export { appDetail, type BrowseQuery, browse } from './catalog.ts';
export { type CatalogSettings, type Market, type MarketActor, pgCode } from './context.ts';
export { catalogPackage, issueIndex } from './federation-index.ts';
export {
  federationActor,
  type SyncResult,
  startUpstreamSync,
  syncAll,
  syncUpstream,
  verifyIndex,
} from './federation-sync.ts';
export {
  addUpstream,
  checkUpstreamUrl,
  listUpstreams,
  parsePinnedKey,
  removeUpstream,
} from './federation-upstreams.ts';
export {
  communityInstalls,
  installFromShelf,
  pin,
  reviewedVersions,
  rollback,
  rollbackDepth,
  shelfVersions,
  upgradeFromShelf,
} from './installs.ts';
export { killInTx, killSubject, killVersion, listenForKills } from './kill.ts';
export {
  type AppFigures,
  type CommunityFigures,
  maxWindowDays,
  type OperationsReport,
  operationsCsv,
  operationsMetrics,
  operationsWindow,
} from './operations.ts';
export {
  backoffMs,
  deliverDue,
  deliverReport,
  deliveryView,
  dueDay,
  listDeliveries,
  retryDays,
  startReportDelivery,
} from './operations-delivery.ts';
export {
  addDownstream,
  type DownstreamDayFigures,
  downstreamReports,
  listDownstreams,
  maxReportBytes,
  receiveOperationsReport,
  removeDownstream,
  reportProblems,
} from './operations-downstreams.ts';
export {
  type DailyOperationsReport,
  issueOperationsReport,
  operationsReportOf,
  previousDay,
  readOperationsReport,
  type SignedOperationsReport,
  startOperationsReports,
  verifyOperationsReport,
} from './operations-report.ts';
export { permissionList } from './permissions.ts';
export { canonicalJson, loadPlatformKey, type PlatformKey } from './platform-key.ts';
export {
  addMember,
  addPublisherKey,
  assertMember,
  createPublisher,
  listPublishers,
  publisherBySlug,
  revokePublisherKey,
} from './publishers.ts';
export {
  appReviewMaxChars,
  hideReview,
  listReviews,
  rateApp,
  ratingSummary,
  replyToReview,
} from './ratings.ts';
export { automatedReview, type ReviewReportBody, signReport, verifyReport } from './review.ts';
export {
  defaultBudgets,
  flatPermissions,
  permissionEscalation,
  type ReviewBudgets,
  schemaComplexity,
  screenshotItems,
  screenshotType,
} from './review-checks.ts';
export {
  abortRollout,
  completeRollout,
  installsOf,
  leaveRollout,
  promoteRollout,
  type Rollout,
  rollBackAll,
  rolloutById,
  rolloutSubject,
  type Within,
} from './rollout.ts';
export { checkRollouts, rolloutChecker, startRolloutChecks } from './rollout-check.ts';
export { type StartRollout, startRollout } from './rollout-start.ts';
export { appMetrics, rolloutApps, rolloutOverview } from './rollout-views.ts';
export { catalogScreenshot, screenshotList, screenshotUrl } from './screenshots.ts';
export { maxUploadBytes, submitPackage } from './submit.ts';
export { listSubmissions, type Move, moveSubmission, reportFor, resubmit, transitions } from './workflow.ts';
