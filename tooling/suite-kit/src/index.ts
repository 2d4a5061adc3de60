/**
 * The suite kit's test helpers: run a package's built CLI, reach the test servers started once
 * per run, put a framing proxy (mutants) in front of a real server, find leftovers.
 */
export { runCli, type CliRun, type RunCliOptions } from './cli.js';
export { testServer, runCacheDir, withParams, type TestServer } from './servers.js';
export { leftoverNamespaces } from './leftovers.js';
export { runVitest, type VitestRun, type VitestTest } from './vitest-run.js';
export {
  startProxy,
  sqlOf,
  withSql,
  rewriteSql,
  type Proxy,
  type PgProxyOptions,
  type MyProxyOptions,
  type PgFrame,
  type MyFrame,
  type ConnContext,
  type FrameHook,
} from './proxy.js';
export { startPerturbProxy, type PerturbProxy, type PerturbOptions, type Direction } from './perturb.js';
export { checkHtml, findChromium, SKIP_BROWSER, type HtmlCheck, type SvgCheck, type CheckHtmlOptions } from './browser.js';
