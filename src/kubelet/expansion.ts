// $(VAR) expansion in command, args and env values, as upstream's third_party/forked/golang/expansion:
// "$(NAME)" becomes NAME's value when NAME is defined and stays as written otherwise; "$$" is
// an escaped "$", so "$$(NAME)" yields the literal "$(NAME)".

export type Mapping = (name: string) => string | undefined;

export function mappingFor(...maps: Map<string, string>[]): Mapping {
  return (name) => {
    for (const m of maps) {
      const v = m.get(name);
      if (v !== undefined) return v;
    }
    return undefined;
  };
}

export function expand(input: string, mapping: Mapping): string {
  let out = '';
  let i = 0;
  while (i < input.length) {
    const ch = input[i]!;
    if (ch !== '$' || i + 1 >= input.length) {
      out += ch;
      i++;
      continue;
    }
    const next = input[i + 1]!;
    if (next === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close < 0) {
        // An unterminated reference is kept as written; what follows is still expanded.
        out += '$(';
        i += 2;
        continue;
      }
      const name = input.slice(i + 2, close);
      const value = name ? mapping(name) : undefined;
      out += value !== undefined ? value : `$(${name})`;
      i = close + 1;
      continue;
    }
    out += ch;
    i++;
  }
  return out;
}
