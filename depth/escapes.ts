// depth/escapes.ts: text from the other side, made safe to print: the same
// visible() as in server.ts and client.ts (a test keeps the three the same).

/** Hidden characters (not emoji, nor up to 4 accents) show as codes: \u{1b}. */
export function visible(text: string): string {
  const hidden =
    /(\p{RGI_Emoji})|(?<=\p{M}{4})\p{M}|[[\p{C}\p{Zl}\p{Zp}\p{DI}]--[\t\n]]/gv;
  const code = (char: string) => char.codePointAt(0)!.toString(16);
  return text.replace(hidden, (found, emoji) => emoji ?? `\\u{${code(found)}}`);
}
