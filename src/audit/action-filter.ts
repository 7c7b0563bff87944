import { z } from 'zod';

/** One audit action name, `noun.verb`. */
export const actionName = z.string().regex(/^[a-z_]+\.[a-z_]+$/, 'must look like noun.verb, e.g. license.revoked');

/** At most this many actions in one filter. */
export const MAX_ACTIONS = 50;

export const actionList = z
  .array(actionName)
  .min(1, 'must name at least one action')
  .max(MAX_ACTIONS, `must name at most ${MAX_ACTIONS} actions`);

/** `license.`, `license.*` or `download.denied` (which also matches `download.denied_unauthenticated`); a trailing `*` is dropped. */
export const actionPrefix = z
  .string()
  .regex(/^[a-z_]+(\.[a-z_]*)?\*?$/, 'must be the start of an action, e.g. license. or license.*')
  .transform((p) => p.replace(/\*$/, ''));

/**
 * The action part of an audit query: `action` is kept as an alias of a one-element `actions`; an event matches when
 * its action is listed or starts with the prefix.
 * @example actionQuery({ action: 'license.created', actionPrefix: 'api_key.' }) // { actions: ['license.created'], actionPrefix: 'api_key.' }
 */
export function actionQuery(f: { action?: string | null; actions?: string[] | null; actionPrefix?: string | null } | null | undefined): {
  actions?: string[];
  actionPrefix?: string;
} {
  const actions = [...(f?.action ? [f.action] : []), ...(f?.actions ?? [])];
  return { actions: actions.length > 0 ? [...new Set(actions)] : undefined, actionPrefix: f?.actionPrefix || undefined };
}
