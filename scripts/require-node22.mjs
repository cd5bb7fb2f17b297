// npm scripts run with node_modules/.bin first on PATH, so the `node` devDependency
// (Node 22, Lambda's nodejs22.x) is the one that runs them. `npm ci --ignore-scripts`
// skips that package's download and silently leaves the system Node: fail fast instead.
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  console.error(
    `keyroll needs Node.js 22 or newer (Lambda runtime nodejs22.x); this is Node ${process.versions.node}.\n` +
      'Run `npm ci` (without --ignore-scripts) so the node@22 devDependency installs, then use npm scripts (`npm test`, `npm start`).',
  );
  process.exit(1);
}
