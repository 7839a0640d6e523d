/**
 * A cluster app for the Prometheus cluster test (run with `--import hmetrics/onload`; workers
 * inherit execArgv and the environment). The primary forks two workers; lines on stdin steer
 * it: "block <id>" busies a worker's loop for 3 s, "kill <id>" kills one; end of stdin ends all.
 * Does nothing unless CLUSTER_APP=1 (the test runner also runs every file under dist/test).
 */
import cluster from 'node:cluster';
import { increment } from 'hmetrics/onload';

if (process.env['CLUSTER_APP'] !== '1') {
  // Not launched by the cluster test: nothing to do.
} else if (cluster.isPrimary) {
  let ready = 0;
  for (let i = 0; i < 2; i++) {
    cluster.fork().on('message', (m: unknown) => { if (m === 'ready' && ++ready === 2) console.log('ready'); });
  }
  process.stdin.setEncoding('utf8').on('data', (text: string) => {
    for (const line of text.split('\n').filter(Boolean)) {
      const [cmd, id = ''] = line.split(' ');
      const worker = cluster.workers?.[id];
      if (worker === undefined) continue;
      if (cmd === 'block') worker.send('block');
      if (cmd === 'kill') {
        worker.on('exit', () => console.log(`killed ${id}`));
        worker.process.kill('SIGKILL');
      }
    }
  });
  process.stdin.on('end', () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill();
    process.exit(0);
  });
} else {
  for (let i = 0; i < (cluster.worker?.id ?? 0) * 10; i++) increment('jobs.done');
  process.on('message', (m: unknown) => {
    if (m !== 'block') return;
    const until = Date.now() + 3000;
    while (Date.now() < until);
  });
  process.send?.('ready');
}
