// npm start: the production entry. Plain JavaScript, so an old Node.js gets a clear message instead of
// ERR_UNKNOWN_FILE_EXTENSION; Node 24 then runs the TypeScript server entry directly (type stripping).
await import('./node-check.js');
await import('./serve.ts');
