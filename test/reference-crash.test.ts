/**
 * The field crash, for real: a small heap (`--max-old-space-size=64`) with `retain-configs` dies
 * during a deploy with V8's "JavaScript heap out of memory", and `exited()` shows it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './reference-harness.js';

const SERVICES = 150;
const MAX_DEPLOYS = 20;

describe('retain-configs with a small heap (real process)', () => {
  let h: Harness | undefined;
  afterAll(async () => {
    await h?.close();
  });

  it('dies during a deploy with "JavaScript heap out of memory" visible in exited()', async () => {
    h = await startHarness({ profile: 'retain-configs', heapMb: 64, version: '1.1' });
    const harness = h;
    await harness.adapter.start();
    await harness.registerRange(0, SERVICES);
    const exit = harness.adapter.exited().then((e) => ({ exit: e }));
    let deploys = 0;
    let crashedDuringDeploy = false;
    // Every redeploy keeps one more configuration: one of them must run out of heap.
    while (deploys < MAX_DEPLOYS) {
      const outcome = await Promise.race([
        harness.adapter.deploy().then(
          (d) => ({ deploy: d }),
          (e: unknown) => ({ error: e }),
        ),
        exit,
      ]);
      // The process exited, or the deploy call lost its connection as it died.
      if (!('deploy' in outcome)) {
        crashedDuringDeploy = true;
        break;
      }
      expect(outcome.deploy.state).toBe('deployed');
      deploys++;
    }
    expect(crashedDuringDeploy, `still alive after ${deploys} deploys`).toBe(true);
    expect(deploys).toBeGreaterThanOrEqual(1);
    const { exit: ended } = await exit;
    expect(ended.exitCode === 0 && ended.signal === null).toBe(false);
    expect(ended.stderrTail.join('\n')).toMatch(/JavaScript heap out of memory/);
    expect(ended.stderrTail.length).toBeLessThanOrEqual(20);
    expect(harness.adapter.pid()).toBeNull();
  });
});
