/** Console width every acid table and note fits in (a terminal or CI log without sideways scrolling). */
export const CONSOLE_WIDTH = 120;

/**
 * Word-wraps `text` to `width` columns: the first line starts with `first`, later lines with
 * `rest` (a hanging indent). A word longer than a line is broken, never cut: nothing is lost.
 */
export function wrap(text: string, first = '', rest = first, width = CONSOLE_WIDTH): string[] {
  // An indent that leaves no room for words would never make progress.
  if (rest.length > width / 2) rest = '';
  const lines: string[] = [];
  let line = first;
  let empty = true;
  const push = (): void => {
    lines.push(line.trimEnd());
    line = rest;
    empty = true;
  };
  for (let word of text.split(/\s+/).filter(Boolean)) {
    if (!empty && line.length + 1 + word.length > width) push();
    while ((empty ? line.length : line.length + 1) + word.length > width) {
      const room = width - line.length - (empty ? 0 : 1);
      if (room <= 0) {
        push();
        continue;
      }
      line += (empty ? '' : ' ') + word.slice(0, room);
      word = word.slice(room);
      push();
    }
    if (word) {
      line += (empty ? '' : ' ') + word;
      empty = false;
    }
  }
  if (!empty || lines.length === 0) lines.push(line.trimEnd());
  return lines;
}
