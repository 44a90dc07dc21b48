/**
 * Polls `condition` every `everyMs` until it holds; throws once `withinMs` have passed without it (by default never:
 * jest's test timeout bounds the wait).
 */
export async function until(
  condition: () => boolean | Promise<boolean>,
  withinMs = Infinity,
  everyMs = 10,
): Promise<void> {
  const end = Date.now() + withinMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
