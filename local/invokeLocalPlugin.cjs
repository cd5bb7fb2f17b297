'use strict';
/**
 * `serverless invoke local` for keyroll's ES module bundles (serverless.yml `plugins:`, listed
 * after serverless-esbuild).
 *
 * serverless-esbuild builds `.esbuild/.build/src/handlers/<name>.mjs` and points the service
 * directory there, but osls's invoke local loads a Node.js handler with require() of the path
 * without extension, then `.cjs`: it never finds a `.mjs` ("Cannot find module …/rotate").
 * After serverless-esbuild's build, this plugin writes a CommonJS shim that loads the bundle
 * with import(), as Lambda's nodejs runtime loads an `.mjs` handler, and points this one
 * invocation's handler at it. The shim lives in its own folder beside the build folder (never
 * inside it, which `serverless package` zips whole) and is removed when the command ends.
 *
 * It also makes the command end. osls exits only once nothing is left in the event loop. What
 * kept it alive was serverless-esbuild's esbuild service (a child process held by the build
 * contexts), which only its `after:invoke:local:invoke` hook disposes: when the command itself
 * fails (the handler cannot be loaded, the bundle does not build) that hook never runs, and the
 * process hung after printing the error. keyroll's handlers leave nothing open once they return
 * (the SDK's idle keep-alive sockets are unref'd, pg clients are closed), but a handler could,
 * and a Lambda sandbox is frozen once an async handler returns while a local process is not.
 * So, as on Lambda:
 * - a failed command disposes serverless-esbuild's contexts (the `error` hook);
 * - once the invocation is over (result or error printed), the process exits within
 *   EXIT_GRACE_MS with the invocation's exit status (0, or 1 when the handler or the command
 *   failed), whatever is still open;
 * - a handler still running after the function's `timeout` is stopped with Lambda's
 *   `Sandbox.Timedout` error and exit status 1.
 */
const { existsSync, mkdirSync, rmSync, writeFileSync } = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');

/** How long osls gets to finish after the invocation (its own summary) before the process is ended. */
const EXIT_GRACE_MS = 500;

const isEsbuildPlugin = (p) => p && p.constructor && p.constructor.name === 'EsbuildServerlessPlugin' && typeof p.disposeContexts === 'function';

/** A CommonJS module exporting `name`, which loads the ES module `bundle` on first call and forwards to its `name`. */
function shimSource(bundle, name) {
  const url = JSON.stringify(pathToFileURL(bundle).href);
  const key = JSON.stringify(name);
  return `'use strict';
// Written by keyroll's local/invokeLocalPlugin.cjs for \`serverless invoke local\`; removed when it ends.
let loaded;
exports[${key}] = async function (event, context) {
  const bundle = await (loaded ??= import(${url}));
  if (typeof bundle[${key}] !== 'function') throw new TypeError(${JSON.stringify(`${bundle} exports no function "${name}"`)});
  return bundle[${key}](event, context);
};
`;
}

class KeyrollInvokeLocalPlugin {
  constructor(serverless, options, utils = {}) {
    this.serverless = serverless;
    this.options = options || {};
    this.log = utils.log || { verbose: () => undefined, warning: (m) => process.stderr.write(`${m}\n`) };
    this.writeText = utils.writeText || ((text) => process.stdout.write(`${text}\n`));
    this.hooks = {
      'before:invoke:local:invoke': () => this.prepare(),
      'after:invoke:local:invoke': () => this.finish(),
      // Any command's failure: acts only for an invoke local (see stopAfterFailure).
      error: () => this.stopAfterFailure(),
    };
  }

  isInvokeLocal() {
    const commands = (this.serverless.processedInput && this.serverless.processedInput.commands) || [];
    return commands[0] === 'invoke' && commands[1] === 'local';
  }

  esbuildPlugin() {
    return this.serverless.pluginManager.plugins.find(isEsbuildPlugin);
  }

  /** Runs after serverless-esbuild's build (same hook, plugin listed after it). */
  async prepare() {
    const fn = this.options.functionObj || this.serverless.service.getFunction(this.options.function);
    const runtime = fn.runtime || this.serverless.service.provider.runtime || '';
    this.armTimeout(Number(fn.timeout) || Number(this.serverless.service.provider.timeout) || 6);
    if (this.options.docker || !runtime.startsWith('nodejs') || typeof fn.handler !== 'string') return;

    const at = fn.handler.lastIndexOf('.');
    if (at < 1) return; // osls reports the malformed handler itself
    const handlerPath = fn.handler.slice(0, at);
    const handlerName = fn.handler.slice(at + 1);
    // Where osls looks for the handler (serverless-esbuild has made the build folder the service directory).
    const root = path.join(this.serverless.serviceDir, this.options.extraServicePath || '');
    const base = path.join(root, handlerPath);
    if (['.js', '.cjs', ''].some((ext) => existsSync(`${base}${ext}`))) return; // osls loads that itself
    const bundle = `${base}.mjs`;
    if (!existsSync(bundle)) {
      this.log.warning(`keyroll invoke local: no bundle ${bundle} (serverless-esbuild must be listed before local/invokeLocalPlugin.cjs)`);
      return;
    }

    const esbuild = this.esbuildPlugin();
    const workDir = (esbuild && esbuild.workDirPath) || path.dirname(this.serverless.serviceDir);
    const shown = (file) => path.relative(path.dirname(workDir), file);
    this.shimDir = path.join(workDir, `invoke-local-${process.pid}`);
    const shim = path.join(this.shimDir, `${handlerPath}.cjs`);
    mkdirSync(path.dirname(shim), { recursive: true });
    writeFileSync(shim, shimSource(bundle, handlerName));
    process.once('exit', () => this.removeShim());

    this.originalHandler = fn.handler;
    this.fn = fn;
    fn.handler = `${path.relative(root, shim).slice(0, -'.cjs'.length)}.${handlerName}`;
    this.log.verbose(`keyroll invoke local: ${shown(bundle)} loaded through ${shown(shim)}`);
  }

  async finish() {
    this.cleanUp();
    this.armExit();
  }

  /** A failed invoke local: serverless-esbuild's after hook will not run, so its esbuild service is stopped here. */
  async stopAfterFailure() {
    if (!this.isInvokeLocal()) return;
    process.exitCode = process.exitCode || 1;
    this.cleanUp();
    const esbuild = this.esbuildPlugin();
    if (esbuild) await esbuild.disposeContexts().catch(() => undefined);
    this.armExit();
  }

  cleanUp() {
    clearTimeout(this.timeout);
    if (this.fn) this.fn.handler = this.originalHandler;
    this.removeShim();
  }

  removeShim() {
    if (this.shimDir) rmSync(this.shimDir, { recursive: true, force: true });
  }

  /** Lambda's function timeout: a handler still running after it is stopped, as Lambda stops it. */
  armTimeout(seconds) {
    this.timeout = setTimeout(() => {
      this.writeText(JSON.stringify({ errorType: 'Sandbox.Timedout', errorMessage: `Task timed out after ${seconds.toFixed(2)} seconds` }, null, 4));
      this.removeShim();
      process.exit(1);
    }, seconds * 1000);
    // Never what keeps the process alive: osls keeps its own timer until it finishes.
    this.timeout.unref();
  }

  /** Ends the process EXIT_GRACE_MS from now if something (an open socket, a timer) still holds it; exit status as set (1 on failure). */
  armExit() {
    setTimeout(() => {
      this.log.verbose(`keyroll invoke local: exiting; still open: ${process.getActiveResourcesInfo().join(', ') || 'nothing'}`);
      process.exit();
    }, EXIT_GRACE_MS).unref();
  }
}

module.exports = KeyrollInvokeLocalPlugin;
