// Drives the reference clients for the Rust end-to-end tests (tests/tests/api/js_clients.rs):
//   node client.mjs ws|sse <url> <access token> <subscription>
// Prints one JSON line per happening: {"kind": "ready"} once the server holds the
// subscription, {"kind": "next", "result": …}, {"kind": "error", "code": …}, {"kind": "complete"}.
import { createClient as createWsClient } from 'graphql-ws';
import { createClient as createSseClient } from 'graphql-sse';
import WebSocket from 'ws';

const [mode, url, token, query] = process.argv.slice(2);
const out = (kind, rest = {}) => process.stdout.write(JSON.stringify({ kind, ...rest }) + '\n');

const sink = {
  next: (result) => out('next', { result }),
  error: (e) => {
    // graphql-ws: a CloseEvent (code); graphql-sse: an Error or a Response (status).
    out('error', { code: e?.code ?? e?.status ?? null, message: String(e?.reason ?? e?.message ?? e) });
    process.exit(0);
  },
  complete: () => {
    out('complete');
    process.exit(0);
  },
};

if (mode === 'ws') {
  let pongs = 0;
  const client = createWsClient({
    url,
    webSocketImpl: WebSocket,
    connectionParams: { Authorization: `Bearer ${token}` },
    // The server handles messages in order: once a ping sent after `subscribe` is
    // answered, it holds the subscription (the second pong is always after it).
    keepAlive: 50,
    retryAttempts: 0,
    on: {
      pong: () => {
        pongs += 1;
        if (pongs === 2) out('ready');
      },
    },
  });
  client.subscribe({ query }, sink);
} else if (mode === 'sse') {
  const client = createSseClient({
    url,
    headers: { Authorization: `Bearer ${token}` },
    retryAttempts: 0,
  });
  client.subscribe({ query }, sink, { connected: () => out('ready') });
} else {
  console.error(`unknown mode ${mode}`);
  process.exit(2);
}
