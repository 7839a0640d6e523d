/**
 * What rebuilding Express mount templates costs per request, in process, on real Express 4 and
 * 5 apps (8 middlewares and 5 other routers ahead of a router mounted at `/orgs/:org` holding
 * one at `/teams/:team`): `routeOf()` for a request whose mount path was seen before (the
 * common case), for one whose mount path is new every time (a new `:org` on each request: the
 * worst case, each one matched through the mounts), and the `:param` guess it replaced.
 *
 *   npm run build && node dist/bench/express-mounts.bench.js
 */
import { createRequire } from 'node:module';
import { mountTemplate, routeOf, type RoutedRequest } from '../src/http-server/route.js';

const require = createRequire(import.meta.url);
const N = 200_000;
type Router = { use(...args: unknown[]): void; get(path: string, fn: () => void): void; stack: Array<{ handle: Router; route?: object }> };

for (const module of ['express4', 'express'] as const) {
  const express = require(module) as (() => Router & { _router?: Router; router?: Router; handle?: unknown }) & { Router(): Router };
  const app = express();
  for (let i = 0; i < 8; i++) app.use((_req: unknown, _res: unknown, next: () => void) => next());
  for (let i = 0; i < 5; i++) app.use(`/other${i}`, express.Router());
  const orgs = express.Router();
  const teams = express.Router();
  teams.get('/members/:id', () => {});
  orgs.use('/teams/:team', teams);
  app.use('/orgs/:org', orgs);
  const top = (app._router ?? app.router)!;
  const route = top.stack.at(-1)!.handle.stack[0]!.handle.stack[0]!.route!;
  const request = (i: number): RoutedRequest => ({ app: app as never, route, baseUrl: `/orgs/o${i}/teams/t${i}`, originalUrl: '' });
  const fresh = Array.from({ length: N }, (_, i) => request(i));
  const same = request(-1);
  const time = (fn: (i: number) => unknown): number => {
    const start = process.cpuUsage();
    for (let i = 0; i < N; i++) fn(i);
    const used = process.cpuUsage(start);
    return (used.user + used.system) / N;
  };
  time((i) => routeOf(fresh[i]!, false)); // warm-up; fills the caches once
  const known = time(() => routeOf(same, false));
  const fresh2 = Array.from({ length: N }, (_, i) => request(N + i));
  const unseen = time((i) => routeOf(fresh2[i]!, false));
  const guess = time((i) => `${mountTemplate(fresh2[i]!.baseUrl as string)}/members/:id`);
  console.log(`${module === 'express' ? 'express 5' : 'express 4'}: ${routeOf(same, false)}  known mount path ${(known * 1000).toFixed(0)} ns, new mount path ${unseen.toFixed(2)} µs, the :param guess ${guess.toFixed(2)} µs`);
}
