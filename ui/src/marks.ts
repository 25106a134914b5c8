/**
 * The cashier's keys, timed where they are answered (issue 19): `pressed` when
 * a key (or 查询) is handled, `painted` once the frame that shows its answer is
 * on screen. Both are User Timing marks (`key:<name>:pressed`,
 * `key:<name>:painted`) in this window's timeline. scripts/measure-keys.sh
 * reads them over WebDriver and pairs them across the two windows by wall-clock
 * time (`performance.timeOrigin + startTime`). Nothing else reads them.
 */

/** A day of keys stays small: the oldest marks go once there are this many. */
const KEPT = 200;

export function pressed(name: string) {
  mark(`key:${name}:pressed`);
}

/** Call when the answer is in the DOM (a layout effect): marks after the next paint. */
export function painted(name: string) {
  // A frame callback runs just before the paint; a task it queues runs after it.
  requestAnimationFrame(() => setTimeout(() => mark(`key:${name}:painted`), 0));
}

function mark(label: string) {
  if (performance.getEntriesByType("mark").length >= KEPT) performance.clearMarks();
  performance.mark(label);
}

/** `act`, marking the key `name` pressed first. */
export function timed(name: string, act: () => void): () => void {
  return () => {
    pressed(name);
    act();
  };
}
