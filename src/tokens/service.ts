import { z } from 'zod';
import type { Viewer } from '../accounts/viewer.js';
import type { Clock } from '../clock.js';
import type { Stores } from '../db/stores/index.js';
import type { SigningKeyRow } from '../db/stores/tokens-store.js';
import { text, parseInput } from '../validation.js';
import { MAX_TOKEN_LIFETIME_MS, type SigningKeyRing } from './signing-keys.js';

const RotateSigningKeyInput = z.object({ reason: text(500).nullish() });

/** Signing keys (and, with licenses, access tokens). */
export class TokensService {
  constructor(
    private readonly stores: Stores,
    private readonly keyRing: SigningKeyRing,
    private readonly clock: Clock,
  ) {}

  async signingKeys(viewer: Viewer): Promise<SigningKeyRow[]> {
    viewer.assertStaff();
    return this.stores.tokens.verifiableKeys(new Date(this.clock.now().getTime() - MAX_TOKEN_LIFETIME_MS));
  }

  async rotateSigningKey(viewer: Viewer, raw: unknown): Promise<SigningKeyRow> {
    const principal = viewer.assertAdmin();
    parseInput(RotateSigningKeyInput, raw);
    return this.keyRing.rotate(principal.userId);
  }
}
