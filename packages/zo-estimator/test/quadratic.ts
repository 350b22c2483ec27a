/** f(θ) = ½ Σ cᵢ(θᵢ − aᵢ)², cᵢ = 1 + (i mod 3), aᵢ = cos i: a well-conditioned quadratic with known minimum a. */
export function separableQuadratic(dim: number): (theta: Float32Array) => number {
  const c = Float64Array.from({ length: dim }, (_, i) => 1 + (i % 3));
  const a = Float64Array.from({ length: dim }, (_, i) => Math.cos(i));
  return (theta: Float32Array) => {
    let s = 0;
    for (let i = 0; i < dim; i++) s += c[i]! * (theta[i]! - a[i]!) ** 2;
    return s / 2;
  };
}
