// Component probe: the floor of one hop to a child process over Node's IPC channel with JSON
// serialisation (what the engine's sandbox pool uses). Echoes every message back.
process.on('message', (message) => process.send(message));
process.on('disconnect', () => process.exit(0));
