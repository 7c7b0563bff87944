import type { Clock } from '../clock.js';
import type { Stores } from '../db/stores/index.js';
import { trialEnding } from '../events/builders.js';
import { emitEvents } from '../events/emit.js';
import type { LicenseRow } from '../db/stores/licensing-store.js';

/** How long before a trial ends its licensee is reminded (`trial.ending`). */
export const TRIAL_REMINDER_MS = 3 * 86_400_000;

/**
 * Writes `trial.ending` for every live trial ending within three days that was not reminded yet. The license is
 * marked in the same transaction as its event, so each license is reminded exactly once, whichever process runs it.
 */
export async function remindEndingTrials(tx: Stores, clock: Clock): Promise<LicenseRow[]> {
  const now = clock.now();
  const due = await tx.licensing.claimTrialReminders(now, new Date(now.getTime() + TRIAL_REMINDER_MS));
  await emitEvents(tx, clock, due.map(trialEnding));
  return due;
}
