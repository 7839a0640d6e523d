/**
 * The whole setup: one import. With HEROKU_METRICS_URL set (Heroku sets it when language
 * metrics are enabled) this app's GC, event-loop and memory figures reach the dashboard.
 *
 *   npx hmetrics receive &          # a local stand-in for Heroku's endpoint on :8126
 *   HEROKU_METRICS_URL=http://127.0.0.1:8126 HMETRICS_INTERVAL=2000 node dist/examples/basic-onload.js
 */
import 'hmetrics/onload';
import { createServer } from 'node:http';

const server = createServer((_req, res) => res.end('hello\n'));
server.listen(0, '127.0.0.1', () => {
  console.log('listening; metrics are reported in the background');
  // The demo ends by itself; a real server would just keep running.
  setTimeout(() => server.close(), 5_000);
});
// Prints:
// listening; metrics are reported in the background
