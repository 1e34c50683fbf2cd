/**
 * Run `task` once the browser has painted the current frame: a tap gets its
 * visible answer first, and heavier follow-up work (opening a sheet, filling a
 * long list) runs in a task of its own. Cheap phones stay under 100 ms a tap.
 */
export function afterPaint(task: () => void): void {
  requestAnimationFrame(() => setTimeout(task, 0))
}
