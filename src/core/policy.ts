/**
 * Policies compose the way cockatiel's `wrap` does: `wrap(a, b, c)` runs `a`, which runs `b` inside it, which runs
 * `c`, which runs the call itself. The order of the arguments is the order of execution, written once.
 */

/** One step around a call: it may refuse, wait, run `next` once or several times, and read or rewrite the outcome. */
export interface Policy<C> {
  run<T>(context: C, next: () => Promise<T>): Promise<T>;
}

/** The policies, outermost first, around `call`. */
export function wrap<C>(...policies: readonly Policy<C>[]) {
  return function run<T>(context: C, call: () => Promise<T>): Promise<T> {
    const step = (index: number): Promise<T> => {
      const policy = policies[index];
      return policy ? policy.run(context, () => step(index + 1)) : call();
    };
    return step(0);
  };
}
