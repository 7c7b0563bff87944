/**
 * A row that another row points at by foreign key. The database guarantees it exists, so a miss is a defect to
 * surface (a GraphQL error on that field), never a silent null on a non-null field.
 */
export async function referenced<T>(row: Promise<T | undefined>): Promise<T> {
  const found = await row;
  if (found === undefined) throw new Error('a row referenced by foreign key is missing');
  return found;
}
