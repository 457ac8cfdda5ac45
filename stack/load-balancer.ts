import { join } from 'node:path';
import { spawnService, writeConfigFile, type Service } from './process';

export interface LoadBalancerOptions {
  dataDir: string;
  /** where clients reach the API */
  port: number;
  /** the API processes behind it */
  upstreams: number[];
}

/**
 * nginx (Debian's) in front of the API processes, as an ingress would be: keep-alive connections to
 * them, the client's address in X-Forwarded-For, and a request that could not reach one process
 * (refused, reset: one was killed) sent to the other, for methods that may be repeated. A POST is
 * not resent: a client retries it with its Idempotency-Key.
 */
export function nginxConfig(o: LoadBalancerOptions, dir: string, logsDir: string): string {
  const upstreams = o.upstreams
    .map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=2s;`)
    .join('\n');
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((t) => `  ${t}_temp_path ${join(dir, t)};`)
    .join('\n');
  return `daemon off;
${process.getuid?.() === 0 ? 'user root;\n' : ''}worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(logsDir, 'nginx.log')} warn;
events { worker_connections 4096; }
http {
  access_log off;
${temp}
  # The API's own limit (bodyLimit): a larger body is refused here, before it is sent on.
  client_max_body_size 256k;
  upstream api {
${upstreams}
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${o.port};
${problemPages()}
    location / {
      proxy_pass http://api;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_next_upstream error timeout;
      proxy_read_timeout 60s;
    }
  }
}
`;
}

/** What nginx answers itself (a request it cannot parse, no API process up), as problem+json like the API. */
const NGINX_PROBLEMS: [codes: string, status: number, title: string][] = [
  ['400 494', 400, 'Invalid request'],
  ['408', 408, 'Request timeout'],
  ['413', 413, 'Request body too large'],
  ['414', 414, 'URI too long'],
  ['502 503 504', 503, 'Service unavailable'],
];

function problemPages(): string {
  return NGINX_PROBLEMS.map(([codes, status, title]) => {
    const body = JSON.stringify({
      type: 'about:blank',
      title,
      status,
      detail: 'answered by the load balancer',
    });
    // `=status` sets the answer's status; the page itself returns 200, since an error returned from
    // an error page would end in nginx's own HTML page. A URI, not a named location: a request whose
    // request line nginx refused has no URI to carry to a named one.
    return `    error_page ${codes} =${status} /__problem/${status};
    location = /__problem/${status} {
      internal;
      default_type application/problem+json;
      return 200 '${body}';
    }`;
  }).join('\n');
}

export function startLoadBalancer(o: LoadBalancerOptions): Promise<Service> {
  const dir = join(o.dataDir, 'nginx');
  const logsDir = join(o.dataDir, 'logs');
  const conf = writeConfigFile(join(dir, 'nginx.conf'), nginxConfig(o, dir, logsDir));
  return spawnService({
    name: 'nginx',
    command: '/usr/sbin/nginx',
    args: ['-c', conf, '-p', dir, '-e', join(logsDir, 'nginx.log')],
    port: o.port,
    url: `http://127.0.0.1:${o.port}`,
    logFile: join(logsDir, 'nginx.log'),
  });
}
