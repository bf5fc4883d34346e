/** A typed array of `length` slots holding `from`'s values first: how the simulator's tables grow. */
export function grownTo<T extends Uint8Array | Int32Array | Float64Array>(from: T, length: number): T {
  const into = new (from.constructor as new (length: number) => T)(length)
  into.set(from as never)
  return into
}
