export async function benchMemoryAndStatus(_o: unknown): Promise<Record<string, unknown>> {
  throw new Error('not yet');
}
