/** Mean and sample standard deviation (n − 1; 0 for a single value). */
export interface MeanStd {
  readonly mean: number;
  readonly std: number;
  readonly n: number;
}

export function meanStd(values: readonly number[]): MeanStd {
  const n = values.length;
  if (n === 0) return { mean: Number.NaN, std: Number.NaN, n: 0 };
  const mean = values.reduce((s, v) => s + v, 0) / n;
  if (n === 1) return { mean, std: 0, n };
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1);
  return { mean, std: Math.sqrt(variance), n };
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms: ≈ 15 significant digits). */
export function logGamma(x: number): number {
  if (!(x > 0)) return Number.NaN;
  if (x < 0.5) {
    // Reflection: Γ(x) Γ(1 − x) = π / sin(πx).
    return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  }
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
    -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
    1.5056327351493116e-7,
  ];
  const z = x - 1;
  let sum = c[0] as number;
  for (let i = 1; i < c.length; i++) sum += (c[i] as number) / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/**
 * The continued fraction of the incomplete beta function (Numerical Recipes' `betacf`, modified
 * Lentz's method); converges fast for x < (a + 1) / (a + b + 2).
 */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const maxIterations = 10_000;
  const eps = 1e-16;
  const tiny = 1e-300;
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= maxIterations; m++) {
    const m2 = 2 * m;
    // Even step.
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    // Odd step.
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < eps) return h;
  }
  return h;
}

/** The regularized incomplete beta function I_x(a, b), for a, b > 0 and 0 ≤ x ≤ 1. */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (!(a > 0) || !(b > 0) || Number.isNaN(x) || x < 0 || x > 1) return Number.NaN;
  if (x === 0) return 0;
  if (x === 1) return 1;
  const lnFront =
    logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x);
  const front = Math.exp(lnFront);
  // Use the continued fraction where it converges fast, and the symmetry I_x(a,b) = 1 − I_{1−x}(b,a).
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(a, b, x)) / a;
  return 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/**
 * Two-sided p-value of Student's t distribution with `df` (> 0, not necessarily an integer)
 * degrees of freedom: P(|T| ≥ |t|) = I_{df/(df+t²)}(df/2, 1/2).
 */
export function studentTTwoSidedP(t: number, df: number): number {
  if (Number.isNaN(t) || !(df > 0)) return Number.NaN;
  if (!Number.isFinite(t)) return 0;
  return Math.min(1, Math.max(0, regularizedIncompleteBeta(df / (df + t * t), df / 2, 0.5)));
}

/** Student's t cumulative distribution function P(T ≤ t) with `df` degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  const tail = studentTTwoSidedP(t, df) / 2;
  return t >= 0 ? 1 - tail : tail;
}

/** Welch's unequal-variance t-test of two groups given as mean, sample std and n. */
export interface WelchTest {
  /** mean(a) − mean(b); NaN when either group is empty. */
  readonly difference: number;
  /** Welch's t = (mean a − mean b) / √(s_a²/n_a + s_b²/n_b); null when undefined (see note). */
  readonly t: number | null;
  /** Welch–Satterthwaite degrees of freedom; null when undefined. */
  readonly df: number | null;
  /** Two-sided p-value; null when the test is undefined (`note` says why). */
  readonly p: number | null;
  /** Why t, df or p is null; null when the test is defined. */
  readonly note: string | null;
}

/**
 * Welch's t-test (two-sided) from summary statistics: t = Δ / √(v_a/n_a + v_b/n_b) with the
 * Welch–Satterthwaite df = (v_a/n_a + v_b/n_b)² / ((v_a/n_a)²/(n_a − 1) + (v_b/n_b)²/(n_b − 1)).
 * Needs n ≥ 2 in each group and a nonzero standard error; otherwise t, df and p are null and
 * `note` says why (never NaN).
 */
export function welchTTest(a: MeanStd, b: MeanStd): WelchTest {
  const difference = a.n > 0 && b.n > 0 ? a.mean - b.mean : Number.NaN;
  if (a.n < 2 || b.n < 2) {
    return {
      difference,
      t: null,
      df: null,
      p: null,
      note: `needs at least 2 values in each group (n = ${a.n} and ${b.n})`,
    };
  }
  const va = (a.std * a.std) / a.n;
  const vb = (b.std * b.std) / b.n;
  const se2 = va + vb;
  if (!(se2 > 0) || !Number.isFinite(se2)) {
    return {
      difference,
      t: null,
      df: null,
      p: null,
      note: 'both groups have zero spread, so the standard error is 0',
    };
  }
  const t = difference / Math.sqrt(se2);
  const df = (se2 * se2) / ((va * va) / (a.n - 1) + (vb * vb) / (b.n - 1));
  return { difference, t, df, p: studentTTwoSidedP(t, df), note: null };
}
