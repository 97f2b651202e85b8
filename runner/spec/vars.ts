// `vars:` substitution: `${vars.NAME}` inside any string value (outside `vars:` itself) is replaced by the
// variable; a string that is exactly `${vars.NAME}` becomes the variable's value with its own type.
import { isPlainObject } from './extends.ts';
import { childPointer, locate } from './locations.ts';
import type { Located } from './parse.ts';
import { didYouMean, joinHints } from './suggest.ts';
import type { SpecProblem } from './types.ts';

const WHOLE = /^\$\{vars\.([^}]*)\}$/;
const ANYWHERE = /\$\{vars\.([^}]*)\}/g;

/** Substitutes in place (config.value must be a mapping); returns a problem per unknown variable. */
export function substituteVars(config: Located & { value: Record<string, unknown> }): SpecProblem[] {
  const vars = isPlainObject(config.value.vars) ? config.value.vars : {};
  const names = Object.keys(vars);
  const problems: SpecProblem[] = [];

  const unknown = (name: string, pointer: string) => {
    const defined = names.length > 0 ? `defined: ${names.join(', ')}` : 'no `vars:` are defined';
    problems.push({ code: 'bad-var', message: `unknown variable \`${name}\` in \`\${vars.${name}}\``, location: locate(config.locs, pointer), hint: joinHints(didYouMean(name, names), defined) });
  };

  const substitute = (value: unknown, pointer: string): unknown => {
    if (typeof value === 'string') {
      const whole = WHOLE.exec(value);
      if (whole) {
        if (Object.hasOwn(vars, whole[1])) return structuredClone(vars[whole[1]]);
        unknown(whole[1], pointer);
        return value;
      }
      return value.replace(ANYWHERE, (text, name: string) => {
        if (Object.hasOwn(vars, name)) return asText(vars[name]);
        unknown(name, pointer);
        return text;
      });
    }
    if (Array.isArray(value)) return value.map((item, i) => substitute(item, childPointer(pointer, i)));
    if (isPlainObject(value)) {
      for (const [key, item] of Object.entries(value)) value[key] = substitute(item, childPointer(pointer, key));
    }
    return value;
  };

  for (const [key, item] of Object.entries(config.value)) {
    if (key !== 'vars') config.value[key] = substitute(item, childPointer('', key));
  }
  return problems;
}

function asText(v: unknown): string {
  return typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
}
