/** The CLI's help texts: one source for `--help`, usage errors and docs/cli.md (a test keeps them in step). */

/** `hmetrics --help`. */
export const MAIN_USAGE = `Usage: hmetrics <command> [options]

Commands:
  receive         a local metrics endpoint: prints each payload and serves live charts

Options:
  -h, --help      show this help (hmetrics <command> --help for a command's options)
  -v, --version   print the version

Run "hmetrics receive", then open the URL it prints.
`;

/** `hmetrics receive --help`. */
export const RECEIVE_USAGE = `Usage: hmetrics receive [--port N] [--host ADDRESS] [--json]

Plays Heroku's metrics endpoint on your machine: accepts the payloads an app sends (POST),
prints each one, and serves a page of live charts on the same port (GET /).

Options:
  --port N          TCP port to listen on (default 8126; 0 picks a free one)
  --host ADDRESS    address to bind (default 127.0.0.1)
  --json            print one JSON object per payload on stdout, for jq; other lines go to stderr
  -h, --help        show this help

Then open http://127.0.0.1:8126/ in a browser and, in another terminal:
  HEROKU_METRICS_URL=http://127.0.0.1:8126/ HMETRICS_INTERVAL=5000 node --import hmetrics/onload app.js

Several apps on one receiver: name each one with ?app=NAME (or an Hmetrics-App header):
  HEROKU_METRICS_URL='http://127.0.0.1:8126/?app=web' HMETRICS_INTERVAL=5000 node --import hmetrics/onload web.js
`;
