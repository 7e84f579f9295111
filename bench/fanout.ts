export async function benchFanout(_o: unknown): Promise<Record<string, unknown>> {
  throw new Error('not yet');
}
