// Imported first by offline/render.ts, so that it runs before anything else loads. When render.ts
// is the program being run (`npm run render`, not a test importing it), it turns source maps off:
// tsx turns them on, and Node then reads and indexes a source map for every module that loads
// (@pulumi/pulumi ships one per file) and maps every stack trace Pulumi records for each resource it
// registers. Neither buys anything in a render; turned off only once the program ran, they cost
// a tenth of a second of module loading.
if (require.main !== undefined && require.main.filename === require.resolve("./render")) {
    process.setSourceMapsEnabled(false);
}
