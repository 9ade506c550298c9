import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo, createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One sample of the exposition: a metric name, its labels and a value (a function is read at each scrape). */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number | (() => number);
}

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** A scrape target speaking Prometheus' text exposition format, serving whatever `samples` holds at each scrape. */
export class MetricsTarget {
  samples: Sample[] = [];
  scrapes = 0;
  private server?: Server;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      if (req.url !== '/metrics') return void res.writeHead(404).end();
      this.scrapes++;
      const lines = this.samples.map((s) => {
        const labels = Object.entries(s.labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',');
        return `${s.name}{${labels}} ${typeof s.value === 'function' ? s.value() : s.value}`;
      });
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(lines.join('\n') + '\n');
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/**
 * A real Prometheus server (Debian's `prometheus` package, `.ci/run` installs it) scraping one target
 * every second, on a free port and a throwaway storage directory.
 */
export class PrometheusServer {
  url = '';
  private proc?: ChildProcess;
  private dir?: string;
  private output = '';

  async start(target: string): Promise<string> {
    this.dir = mkdtempSync(join(tmpdir(), 'rcp-prometheus-'));
    const config = join(this.dir, 'prometheus.yml');
    writeFileSync(config, ['global:', '  scrape_interval: 1s', '  evaluation_interval: 1s', 'scrape_configs:', '  - job_name: workloads', '    static_configs:', `      - targets: ['${target}']`, ''].join('\n'));
    const port = await freePort();
    this.url = `http://127.0.0.1:${port}`;
    this.proc = spawn(process.env.PROMETHEUS_BIN ?? 'prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${join(this.dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stdout!.on('data', (d: Buffer) => (this.output += d.toString()));
    this.proc.stderr!.on('data', (d: Buffer) => (this.output += d.toString()));
    const exited = new Promise<never>((_, reject) => this.proc!.once('exit', (code) => reject(new Error(`prometheus exited (${code}): ${this.output.slice(-2000)}`))));
    exited.catch(() => undefined);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const ready = await fetch(`${this.url}/-/ready`).then((r) => r.ok, () => false);
      if (ready) return this.url;
      if (Date.now() > deadline) throw new Error(`prometheus did not get ready: ${this.output.slice(-2000)}`);
      await Promise.race([new Promise((r) => setTimeout(r, 200)), exited]);
    }
  }

  /** Waits until an instant query has a result (the target has been scraped often enough for it). */
  async until(promql: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const res = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(promql)}`);
      const body = (await res.json()) as { data?: { result?: Array<{ value: [number, string] }> } };
      const v = body.data?.result?.[0]?.value?.[1];
      if (v !== undefined && Number.isFinite(Number(v))) return;
      if (Date.now() > deadline) throw new Error(`no result for ${promql} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  async stop(): Promise<void> {
    if (this.proc && this.proc.exitCode === null) {
      const gone = new Promise((r) => this.proc!.once('exit', r));
      this.proc.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([gone, new Promise((r) => (timer = setTimeout(r, 5000)))]);
      clearTimeout(timer);
      if (this.proc.exitCode === null) this.proc.kill('SIGKILL');
    }
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}
