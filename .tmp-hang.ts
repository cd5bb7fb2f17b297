import { startLocalStack } from './src/local/stack.js';
import { runDemo } from './src/local/demo.js';
import { DEMO_KMS_KEY } from './src/local/demoSeed.js';
for (let i = 0; i < 6; i++) {
  const s = await startLocalStack({ awsPort: 45566, lambdaPort: 45002, httpPort: 45003, websocketPort: 45004, kmsKeys: [DEMO_KMS_KEY] });
  const lines: string[] = [];
  const t = setInterval(() => {
    const r = s.invoker.running().filter((x) => Date.now() - x.startedAt.getTime() > 15000);
    if (r.length) { console.log('STALL', JSON.stringify(r), 'offline pid', s.offline.pid); }
  }, 5000);
  const rep = await runDemo(s, { print: (l) => lines.push(l), timeoutMs: 40_000 });
  clearInterval(t);
  console.log('run', i, rep.ok);
  if (!rep.ok) { console.log(lines.join('\n')); console.log('KEEPING STACK; offline pid', s.offline.pid); await new Promise(() => {}); }
  await s.stop();
}
process.exit(0);
