/**
 * A failing deploy: a real reference gateway behind the fault-injecting proxy. A deploy is sent
 * once — a 503 is retried, a reset or timeout is not (it may have taken effect) — and the gateway's
 * deploy version decides what became of it. A deploy that hangs times out after the configured
 * timeout and is recorded, through the real driver (`runScale`), as a failed deploy with its
 * reason, and the run goes on measuring.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runConfigOf, type RunConfig } from '../src/driver/config.js';
import type { DeployRecord, ListingRecord } from '../src/run-log/records.js';
import { runScale } from '../src/driver/scale-run.js';
import type { ServiceCatalog } from '../src/driver/service-catalog.js';
import { buildReport } from '../src/report/build.js';
import { readRunLog } from '../src/driver/run-log.js';
import { startHarness, type Harness } from './reference-harness.js';
import { startFaultProxy, type FaultProxy } from './helpers/fault-proxy.js';
import { records } from './helpers/run-log.js';
import { tempDir } from './helpers/temp-dir.js';

const CALL_TIMEOUT_MS = 1_500;
const DEPLOY = /^\/api\/deploy$/;

describe('deploys through a failing deployment API (reference gateway behind a fault proxy)', () => {
  let proxy: FaultProxy;
  let h: Harness;
  const root = tempDir('gwscale-faults-deploy-');

  beforeAll(async () => {
    proxy = await startFaultProxy();
    h = await startHarness({ profile: 'healthy', version: '1.1', callTimeoutMs: CALL_TIMEOUT_MS, adapterOptions: { adminUrlVia: proxy.via } });
  });

  afterAll(async () => {
    await h?.close();
    await proxy?.close();
  });

  describe('the driver', () => {
    it('records a hanging deploy as a failed deploy with its reason, and the run goes on (runScale)', async () => {
      const out = join(root, 'run');
      const config: RunConfig = runConfigOf(
        {
          services: 20,
          batch: 10,
          concurrency: 4,
          redeploys: 1,
          readings: 1,
          readingIntervalMs: 0,
          gatewayHeapMb: 256,
          seed: 7,
          verify: 'none',
          callTimeoutMs: CALL_TIMEOUT_MS,
        },
        out,
      );
      const catalog: ServiceCatalog = { size: config.services, serviceAt: (i) => h.spec(i), indexOf: () => undefined };
      // The first deploy of this gateway passes, the second (round 2) never gets an answer.
      proxy.setFaults([{ method: 'POST', path: DEPLOY, fault: { kind: 'hang' }, skip: 1, times: 1 }]);
      const before = proxy.count('POST', DEPLOY);
      const result = await runScale(config, { catalog, adapter: h.adapter });
      proxy.setFaults([]);

      expect(result.error).toBeNull();
      expect(result.state).toBe('completed');
      expect(proxy.count('POST', DEPLOY) - before).toBe(3);
      const log = records(out);
      const deploys = log.filter((r): r is DeployRecord => r.type === 'deploy');
      expect(deploys.map((d) => [d.round, d.services, d.state])).toEqual([
        [1, 10, 'deployed'],
        [2, 20, 'failed'],
        [3, 20, 'deployed'],
      ]);
      const failed = deploys[1];
      expect(failed?.reason).toMatch(
        new RegExp(
          `^the reference gateway: POST http://127\\.0\\.0\\.1:\\d+/api/deploy: timed out after ${CALL_TIMEOUT_MS} ms \\(not retried: it may have taken effect\\); the gateway still serves configuration v\\d+$`,
        ),
      );
      expect(failed?.ms).toBeGreaterThanOrEqual(CALL_TIMEOUT_MS - 10);
      // The round after the failed deploy was still measured, and the gateway's listing told the truth.
      const rows = log.flatMap((r) => (r.type === 'round' ? [[r.round.event, r.round.services, r.round.deployMs === failed?.ms]] : []));
      expect(rows).toEqual([
        ['round', 0, false],
        ['round', 10, false],
        ['round', 20, true],
        ['redeploy', 20, false],
      ]);
      const listings = log.filter((r): r is ListingRecord => r.type === 'listing');
      expect(listings.map((l) => [l.actual.services, l.matches])).toEqual([
        [10, true],
        [10, false],
        [20, true],
      ]);
      // The report lists the failure with its reason.
      const report = buildReport(readRunLog(result.runLogPath));
      expect(report.deploys).toMatchObject({ total: 3, failed: 1, failures: [{ services: 20, reason: failed?.reason }] });
    });
  });

  describe('the adapter', () => {
    /** The configuration version the gateway serves before these tests. */
    let base = 0;

    beforeAll(async () => {
      // The gateway loads what the driver's run deployed: versions count on from there.
      await h.adapter.start();
      const first = await h.adapter.deploy();
      base = Number(/^configuration v(\d+),/.exec(first.state === 'deployed' ? (first.detail ?? '') : '')?.[1]);
      expect(base).toBeGreaterThan(0);
    });

    afterAll(async () => {
      proxy.setFaults([]);
      await h.adapter.stop();
    });

    it('retries a deploy the gateway answered 503', async () => {
      proxy.setFaults([{ method: 'POST', path: DEPLOY, fault: { kind: 'status', status: 503, retryAfterS: 0 }, times: 1 }]);
      const before = proxy.count('POST', DEPLOY);
      expect(await h.adapter.deploy()).toMatchObject({
        state: 'deployed',
        detail: expect.stringMatching(new RegExp(`^configuration v${base + 1}, 20 services`)) as unknown,
      });
      expect(proxy.count('POST', DEPLOY) - before).toBe(2);
    });

    it('does not retry a deploy reset before it reached the gateway, and says it failed', async () => {
      proxy.setFaults([{ method: 'POST', path: DEPLOY, fault: { kind: 'reset-before' }, times: 1 }]);
      const before = proxy.count('POST', DEPLOY);
      const outcome = await h.adapter.deploy();
      expect(proxy.count('POST', DEPLOY) - before).toBe(1);
      expect(outcome.state).toBe('failed');
      expect(outcome.state === 'failed' && outcome.reason).toMatch(
        /POST http:\/\/127\.0\.0\.1:\d+\/api\/deploy: connection reset \(not retried: it may have taken effect\); the gateway still serves configuration v\d+$/,
      );
      expect(outcome.state === 'failed' && outcome.reason).toContain(`configuration v${base + 1}`);
    });

    it('does not retry a deploy whose answer was lost, and finds through the gateway that it took effect', async () => {
      proxy.setFaults([{ method: 'POST', path: DEPLOY, fault: { kind: 'reset-after' }, times: 1 }]);
      const before = proxy.count('POST', DEPLOY);
      const outcome = await h.adapter.deploy();
      expect(proxy.count('POST', DEPLOY) - before).toBe(1);
      expect(outcome).toMatchObject({ state: 'deployed', detail: `configuration v${base + 2} (its answer was lost: connection reset)` });
      // The next deploy is judged against the version the lost one made.
      proxy.setFaults([{ method: 'POST', path: DEPLOY, fault: { kind: 'hang' }, times: 1 }]);
      const hung = await h.adapter.deploy();
      expect(hung.state === 'failed' && hung.reason).toMatch(
        new RegExp(`timed out after ${CALL_TIMEOUT_MS} ms \\(not retried: it may have taken effect\\); the gateway still serves configuration v${base + 2}$`),
      );
      expect(hung.ms).toBeGreaterThanOrEqual(CALL_TIMEOUT_MS - 10);
    });
  });
});
