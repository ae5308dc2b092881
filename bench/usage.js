// Preloaded into a benchmarked process: reports its peak resident memory, its CPU time (all of
// its threads, user + system) and how many CommonJS modules it loaded, when it exits.
process.on("exit", () => {
    const usage = process.resourceUsage();
    process.stderr.write(`\nBENCH_MAX_RSS_KB=${usage.maxRSS}\nBENCH_CPU_US=${usage.userCPUTime + usage.systemCPUTime}\n` +
        `BENCH_MODULES=${Object.keys(require.cache).length}\n`);
});
