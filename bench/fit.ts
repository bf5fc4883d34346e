/**
 * Least-squares polynomial fits for the benches' growth figures (how messages grow with n): the
 * coefficients c0 … c_degree of y ≈ Σ c_k x^k minimising the squared error, from the normal equations
 * solved by Gaussian elimination with partial pivoting. Small inputs only (a table's worth of points).
 */
export function polynomialFit(xs: readonly number[], ys: readonly number[], degree: number): number[] {
  if (xs.length !== ys.length) throw new RangeError(`polynomialFit: ${xs.length} x values but ${ys.length} y values`)
  if (!Number.isInteger(degree) || degree < 0 || xs.length <= degree) throw new RangeError(`polynomialFit: degree ${degree} needs more than ${degree} points, got ${xs.length}`)
  const size = degree + 1
  // The normal equations: (XᵀX) c = Xᵀy, with X's columns the powers of x.
  const a = Array.from({ length: size }, (_, i) => Array.from({ length: size + 1 }, (_, j) => (j < size ? sum(xs.map((x) => x ** (i + j))) : sum(xs.map((x, k) => (ys[k] as number) * x ** i)))))
  for (let col = 0; col < size; col++) {
    let pivot = col
    for (let row = col + 1; row < size; row++) if (Math.abs(a[row]![col]!) > Math.abs(a[pivot]![col]!)) pivot = row
    if (a[pivot]![col] === 0) throw new RangeError('polynomialFit: the x values do not determine the fit (too few distinct values)')
    ;[a[col], a[pivot]] = [a[pivot]!, a[col]!]
    for (let row = 0; row < size; row++) {
      if (row === col) continue
      const factor = a[row]![col]! / a[col]![col]!
      for (let j = col; j <= size; j++) a[row]![j]! -= factor * a[col]![j]!
    }
  }
  return a.map((row, i) => row[size]! / row[i]!)
}

function sum(values: readonly number[]): number {
  return values.reduce((s, v) => s + v, 0)
}
