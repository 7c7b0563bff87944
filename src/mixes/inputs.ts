import { z } from 'zod';
import { LICENSE_PERMISSIONS } from '../catalog/terms.js';
import { RowCount } from '../coverage/inputs.js';
import { line, nodeId } from '../validation.js';

export const MAX_MIX_COMPONENTS = 100;

const Components = z
  .array(z.object({ versionId: nodeId('dsv'), rows: RowCount(1) }))
  .min(1, 'a mix has at least one component')
  .max(MAX_MIX_COMPONENTS, `at most ${MAX_MIX_COMPONENTS} components`)
  .superRefine((components, ctx) => {
    const seen = new Set<string>();
    components.forEach((c, i) => {
      if (seen.has(c.versionId)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: [i, 'versionId'], message: `${c.versionId} is already a component of this mix` });
      }
      seen.add(c.versionId);
    });
  });

const IntendedUse = z
  .array(z.enum(LICENSE_PERMISSIONS))
  .max(LICENSE_PERMISSIONS.length)
  .transform((p) => [...new Set(p)]);

const Target = z.number().finite().min(0.01, 'must be between 0.01 and 0.99').max(0.99, 'must be between 0.01 and 0.99');

const fields = {
  name: line(100),
  regime: z.enum(['ACCUMULATE', 'REPLACE']),
  intendedUse: IntendedUse,
  components: Components,
  /** The real fraction suggestions aim for (default: the server's setting). */
  targetRealFraction: Target.nullish(),
  /** Text suggestions match besides the components' modality and tags. */
  suggestionSearch: line(200).nullish(),
};

export const CreateTrainingMixInput = z.object(fields);

export const UpdateTrainingMixInput = z.object({
  id: nodeId('mix'),
  name: fields.name.nullish(),
  regime: fields.regime.nullish(),
  intendedUse: IntendedUse.nullish(),
  /** Replaces every component. */
  components: Components.nullish(),
  targetRealFraction: Target.nullish(),
  suggestionSearch: line(200).nullish(),
});

export const DeleteTrainingMixInput = z.object({ id: nodeId('mix') });
