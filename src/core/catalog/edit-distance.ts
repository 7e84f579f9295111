/** Edit distance for typo suggestions. */

/**
 * Optimal string alignment distance (Levenshtein + adjacent transposition), or null when it is
 * above `max`. Three rows of scratch space are reused across calls: typo suggestions compare a
 * query with every key of the catalog.
 */
const distanceRows: [Int32Array, Int32Array, Int32Array] = [new Int32Array(64), new Int32Array(64), new Int32Array(64)];

export function editDistance(a: string, b: string, max: number): number | null {
  if (Math.abs(a.length - b.length) > max) return null;
  const n = b.length;
  if (distanceRows[0].length <= n) {
    for (let k = 0; k < 3; k++) distanceRows[k] = new Int32Array(n + 1);
  }
  let [prevPrev, prev, cur] = distanceRows;
  for (let j = 0; j <= n; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let rowMin = i;
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= n; j++) {
      const cb = b.charCodeAt(j - 1);
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (ca === cb ? 0 : 1));
      if (i > 1 && j > 1 && ca === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === cb) v = Math.min(v, prevPrev[j - 2]! + 1);
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return null;
    [prevPrev, prev, cur] = [prev, cur, prevPrev];
  }
  const d = prev[n]!;
  return d <= max ? d : null;
}
