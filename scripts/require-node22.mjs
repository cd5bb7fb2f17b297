// npm scripts run with node_modules/.bin first on PATH, so the `node` devDependency
// (Node 22, Lambda's nodejs22.x) is the one that runs them. `npm ci --ignore-scripts`
// skips that package's download and silently leaves the system Node: fail fast instead.
export const MINIMUM_NODE_MAJOR = 22;

/** The message to print when `version` (e.g. "20.20.2") is too old, else undefined. */
export function nodeVersionProblem(version) {
  const major = Number(String(version).split('.')[0]);
  if (Number.isInteger(major) && major >= MINIMUM_NODE_MAJOR) return undefined;
  return (
    `keyroll needs Node.js ${MINIMUM_NODE_MAJOR} or newer (Lambda runtime nodejs22.x); this is Node ${version}.\n` +
    'Run `npm ci` (without --ignore-scripts) so the node@22 devDependency installs, then use the npm scripts (`npm test`, `npm start`).'
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const problem = nodeVersionProblem(process.versions.node);
  if (problem) {
    console.error(problem);
    process.exit(1);
  }
}
