/**
 * Finds the line of a JSON pointer in JSON text, so manifest problems can say where to look in the editor. A small
 * scanner rather than a parser library: the text has already been parsed once, so it is known to be valid JSON.
 */

const unescapeToken = (t: string) => t.replace(/~1/g, '/').replace(/~0/g, '~');

/** The 1-based line where the value at `pointer` (or its key) starts, or undefined when it is not in the text. */
export function lineOfPointer(text: string, pointer: string): number | undefined {
  const want = pointer === '/' || pointer === '' ? [] : pointer.slice(1).split('/').map(unescapeToken);
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const str = () => {
    const start = i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const skip = (): void => {
    ws();
    const c = text[i];
    if (c === '"') return void str();
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      ws();
      while (text[i] !== close) {
        if (c === '{') {
          str();
          ws();
          i++; // the colon
        }
        skip();
        ws();
        if (text[i] === ',') i++;
        ws();
      }
      i++;
      return;
    }
    while (i < text.length && !/[\s,\]}]/.test(text[i])) i++;
  };
  const lineAt = (pos: number) => text.slice(0, pos).split('\n').length;
  // Walks down the pointer; `at` is where the current value (or its key) starts.
  let at = 0;
  ws();
  for (const token of want) {
    const c = text[i];
    if (c !== '{' && c !== '[') return lineAt(at);
    i++;
    let found = false;
    let index = 0;
    ws();
    while (text[i] !== (c === '{' ? '}' : ']')) {
      const keyStart = i;
      let key = String(index++);
      if (c === '{') {
        key = str();
        ws();
        i++;
      }
      ws();
      if (key === token) {
        at = keyStart;
        found = true;
        break;
      }
      skip();
      ws();
      if (text[i] === ',') i++;
      ws();
    }
    // A missing member (say a required field) is reported at its parent.
    if (!found) return lineAt(at);
  }
  return lineAt(at);
}
