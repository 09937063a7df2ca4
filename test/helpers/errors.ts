/** The GwscaleError an action throws, for tests that check its message, hint and exit code. */
import { GwscaleError } from '../../src/errors.js';

/** Runs `action` and returns the GwscaleError it threw; any other error is rethrown; none fails. */
export function errorOf(action: () => unknown): GwscaleError {
  try {
    action();
  } catch (error) {
    if (error instanceof GwscaleError) return error;
    throw error;
  }
  throw new Error('expected a GwscaleError, but nothing was thrown');
}
