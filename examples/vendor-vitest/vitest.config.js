export default { test: { include: ['*.test.js'], testTimeout: 120000, hookTimeout: 120000 } };
