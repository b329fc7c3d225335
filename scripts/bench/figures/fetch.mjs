// A loopback fetch from a tool (issue 14) against the same request made by Node directly in the
// bench process (its global fetch). The tool's call includes everything a call is: arguments
// checked, the sandbox round trip, the request made by the server process under the tool's
// manifest (address resolved and checked, secrets, caps), the response carried back into the
// isolate, the log row committed with the call's effects. A warm call of a tool that fetches
// nothing is the third line, so the fetch's own share can be read off.
import http from 'node:http';

const BODY = JSON.stringify({ city: 'Lyon', current: { temp_c: 7.5, wind_kph: 11 }, hourly: Array.from({ length: 12 }, (_, h) => ({ h, t: 7 + h / 10 })) });
const SCHEMA = { type: 'object', properties: {}, additionalProperties: false };

export async function fetchFigures({ runGroup, profile, kit }) {
  const server = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(BODY));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = server.address().port;
  const url = `http://localhost:${port}/forecast`;
  const engine = await kit.startEngine('fetch', { capabilities: { fetch: { allow: [`localhost:${port}`] } } });
  try {
    const made = await engine.scope.createTool({
      name: 'fetcher',
      description: 'bench: one loopback fetch',
      code: `export default async () => { const res = await fetch(${JSON.stringify(url)}); const data = await res.json(); return { t: data.current.temp_c }; };\n`,
      inputSchema: SCHEMA,
      capabilities: { fetch: [`localhost:${port}`] },
    });
    if (!made.ok) throw new Error(`create_tool fetcher was refused: ${made.failure.message}`);
    const still = await engine.scope.createTool({ name: 'still', description: 'bench: no fetch', code: 'export default async () => { await Promise.resolve(); return { t: 7.5 }; };\n', inputSchema: SCHEMA });
    if (!still.ok) throw new Error(`create_tool still was refused: ${still.failure.message}`);
    const call = async (name) => {
      const out = await engine.scope.runTool(name, {});
      if (!out.ok) throw new Error(`${name} failed: ${out.failure.kind}: ${out.failure.message}`);
    };
    await call('fetcher');
    await call('still');
    const group = await runGroup({
      id: 'fetch',
      title: 'A loopback fetch from a tool vs the same request from Node',
      baseline: {
        id: 'node-fetch',
        label: 'Node fetch() in the bench process',
        batch: 4,
        async run(batch) {
          for (let b = 0; b < batch; b++) {
            const res = await fetch(url);
            await res.json();
          }
        },
      },
      variants: [
        {
          id: 'tool-fetch',
          label: 'warm call of a tool that fetches it',
          batch: 4,
          async run(batch) {
            for (let b = 0; b < batch; b++) await call('fetcher');
          },
        },
        {
          id: 'tool-no-fetch',
          label: 'warm call of an async tool that fetches nothing',
          batch: 4,
          async run(batch) {
            for (let b = 0; b < batch; b++) await call('still');
          },
        },
      ],
      ...profile.standard,
    });
    group.note = `${BODY.length} bytes of JSON from a server on 127.0.0.1 (by name: localhost:${port} in the tool's capabilities.fetch and the host's capabilities.fetch.allow). Node's fetch keeps its connection alive; the server process's egress opens one per request (the address is checked each time).`;
    return [group];
  } finally {
    await engine.close();
    await new Promise((resolve) => server.close(resolve));
  }
}
