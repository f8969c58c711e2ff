/** A copy of `a` with room for `length` items (the new ones zero), or `a` itself if it has room. */
export function grown<A extends Float64Array | Int32Array | Uint8Array>(a: A, length: number): A {
  if (a.length >= length) return a;
  const bigger = new (a.constructor as new (n: number) => A)(length);
  bigger.set(a);
  return bigger;
}
