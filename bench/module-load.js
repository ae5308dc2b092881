// Requires one module (after the given ones) and prints what that alone cost as one JSON line.
// Usage: node [--import tsx] bench/module-load.js [preloaded...] -- module
const args = process.argv.slice(2);
const split = args.indexOf("--");
for (const pre of args.slice(0, split)) require(pre);
const before = Object.keys(require.cache).length;
const cpu = process.cpuUsage();
const start = process.hrtime.bigint();
require(args[split + 1]);
const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
const used = process.cpuUsage(cpu);
console.log(JSON.stringify({ wallMs, cpuMs: (used.user + used.system) / 1000, modules: Object.keys(require.cache).length - before }));
