/**
 * Host-side RoPE tables for `{ positions, theta }`: cos/sin [n, d/2] with
 * angle = fround(position · fround(θ^(−2i/d))), i.e. the float32 angle that HF transformers
 * computes, then cos/sin in float64 rounded once. A backend may upload these to implement the
 * positions form of `rope` with its tables kernel.
 */
export function ropeTables(
  positions: Uint32Array,
  d: number,
  theta: number,
): { cos: Float32Array; sin: Float32Array } {
  const half = d / 2;
  const cos = new Float32Array(positions.length * half);
  const sin = new Float32Array(positions.length * half);
  for (let i = 0; i < half; i++) {
    const invFreq = Math.fround(theta ** (-(2 * i) / d));
    for (let p = 0; p < positions.length; p++) {
      const angle = Math.fround(positions[p]! * invFreq);
      cos[p * half + i] = Math.cos(angle);
      sin[p * half + i] = Math.sin(angle);
    }
  }
  return { cos, sin };
}
