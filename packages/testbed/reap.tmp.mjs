import { startPatroniCluster } from '/work/wt/patroni/packages/testbed/dist/index.js';
const c = await startPatroniCluster();
console.log('STATE', c.stateDir);
setInterval(() => {}, 1000);
