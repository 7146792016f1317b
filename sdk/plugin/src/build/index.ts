export { BundleError, type BundleResult, bundlePlugin } from '../bundle.ts';
export { bundleTests, testFiles } from '../bundle-tests.ts';
export {
  formatProjectProblem,
  loadProject,
  type Project,
  type ProjectProblem,
} from '../project.ts';
export { type BuiltPlugin, buildPlugin, packageExtras, packageFiles } from './build-plugin.ts';
