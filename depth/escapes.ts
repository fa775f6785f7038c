// depth/escapes.ts: text from the other side, made safe to print: the same
// visible() as in server.ts and client.ts (a test keeps the three the same).

/** Text from the other side, safe to print: hidden characters as escapes. */
export function visible(text: string): string {
  // What controls the terminal or hides text (not emoji, nor up to 4 accents).
  const hidden =
    /(\p{RGI_Emoji})|(?<=\p{M}{4})\p{M}|[[\p{C}\p{Zl}\p{Zp}\p{DI}]--[\t\n]]/gv;
  return text.replace(hidden, (found, emoji) => emoji ?? escaped(found));
}
/** A character as an escape code: \x1b, \u202e or \u{e0041}. */
export function escaped(char: string): string {
  const hex = char.codePointAt(0)!.toString(16); // "!": one character
  if (hex.length <= 2) return "\\x" + hex.padStart(2, "0");
  if (hex.length <= 4) return "\\u" + hex.padStart(4, "0");
  return `\\u{${hex}}`;
}
