/**
 * The simulator's records (what a card received, what a reader sent, prompts shown) keep their last
 * entries only: a training session may run all day, and tests look at the recent past.
 */
export const LOG_LIMIT = 512;

/** Returns a function that appends to `list` and drops the oldest entries beyond `limit`. */
export function recorder<T>(list: T[], limit = LOG_LIMIT): (entry: T) => void {
  return (entry) => {
    list.push(entry);
    if (list.length > limit) list.splice(0, list.length - limit);
  };
}
