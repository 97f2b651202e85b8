// `vars:` substitution: `${vars.NAME}` inside any string value is replaced by the variable; a string that is exactly
// `${vars.NAME}` becomes the variable's value with its own type. Variables may use variables (`a: ${vars.b}/x`):
// each is resolved after the ones it uses, and a cycle (a -> b -> a) is a problem at the use that closes it.
import { isPlainObject } from './extends.ts';
import { childPointer, locate } from './locations.ts';
import type { Located } from './parse.ts';
import { didYouMean, joinHints } from './suggest.ts';
import type { SpecProblem } from './types.ts';

const WHOLE = /^\$\{vars\.([^}]*)\}$/;
const ANYWHERE = /\$\{vars\.([^}]*)\}/g;

export interface VarsResult {
  problems: SpecProblem[];
  /** Pointers of the values left as written: they use an unknown variable or one in a cycle. */
  unresolved: string[];
}

/** Substitutes in place (config.value must be a mapping), `vars:` itself included. */
export function substituteVars(config: Located & { value: Record<string, unknown> }): VarsResult {
  const vars = isPlainObject(config.value.vars) ? config.value.vars : {};
  const names = Object.keys(vars);
  const problems: SpecProblem[] = [];
  const unresolved: string[] = [];
  // Resolution state of each variable: being resolved (on the stack), resolved, or unresolvable (in or after a cycle).
  const state = new Map<string, 'active' | 'done' | 'broken'>();
  const stack: string[] = [];

  /** The value of variable `name` for a use at `pointer`, or undefined when it has none (reported, or in a cycle). */
  const valueOf = (name: string, pointer: string): { value: unknown } | undefined => {
    if (!Object.hasOwn(vars, name)) {
      const defined = names.length > 0 ? `defined: ${names.join(', ')}` : 'no `vars:` are defined';
      problems.push({
        code: 'bad-var',
        message: `unknown variable \`${name}\` in \`\${vars.${name}}\``,
        location: locate(config.locs, pointer),
        hint: joinHints(didYouMean(name, names), defined),
      });
      return undefined;
    }
    if (state.get(name) === 'active') {
      problems.push(describeCycle(stack.slice(stack.indexOf(name)), pointer));
      return undefined;
    }
    if (!state.has(name)) resolve(name);
    return state.get(name) === 'done' ? { value: vars[name] } : undefined;
  };

  const resolve = (name: string) => {
    state.set(name, 'active');
    stack.push(name);
    const before = unresolved.length;
    vars[name] = substitute(vars[name], childPointer('/vars', name));
    stack.pop();
    state.set(name, unresolved.length > before ? 'broken' : 'done');
  };

  const substitute = (value: unknown, pointer: string): unknown => {
    if (typeof value === 'string') {
      const whole = WHOLE.exec(value);
      if (whole) {
        const found = valueOf(whole[1], pointer);
        if (found) return structuredClone(found.value);
        unresolved.push(pointer);
        return value;
      }
      let complete = true;
      const text = value.replace(ANYWHERE, (written, name: string) => {
        const found = valueOf(name, pointer);
        if (found) return asText(found.value);
        complete = false;
        return written;
      });
      if (!complete) unresolved.push(pointer);
      return text;
    }
    if (Array.isArray(value)) return value.map((item, i) => substitute(item, childPointer(pointer, i)));
    if (isPlainObject(value)) {
      for (const [key, item] of Object.entries(value)) value[key] = substitute(item, childPointer(pointer, key));
    }
    return value;
  };

  /** `cycle`: the variables from the one used again to the one whose value uses it (at `pointer`). */
  const describeCycle = (cycle: string[], pointer: string): SpecProblem => {
    const location = locate(config.locs, pointer);
    const last = cycle[cycle.length - 1];
    if (cycle.length === 1)
      return {
        code: 'cycle',
        message: `variable \`${last}\` uses itself`,
        location,
        hint: 'a variable cannot be defined by its own value',
      };
    return {
      code: 'cycle',
      message: `variable cycle: ${[...cycle, cycle[0]].join(' -> ')}`,
      location,
      hint: `\`vars.${last}\` uses \`\${vars.${cycle[0]}}\`, which depends on \`vars.${last}\`; a variable cannot depend on itself`,
    };
  };

  for (const name of names) if (!state.has(name)) resolve(name);
  for (const [key, item] of Object.entries(config.value)) {
    if (key !== 'vars') config.value[key] = substitute(item, childPointer('', key));
  }
  return { problems, unresolved };
}

function asText(v: unknown): string {
  return typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
}
