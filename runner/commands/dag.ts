// `tfpipe dag FILE`: the stage graph, as indented text or as a Mermaid flowchart.
import { buildGraph } from '../graph/graph.ts';
import { topologicalOrder } from '../graph/plan.ts';
import type { PipelineSpec } from '../spec/types.ts';
import { parseCommandArgs, list } from './args.ts';
import { loadSpecOrReport } from './common.ts';
import { EXIT, UsageError, type CommandIO } from './io.ts';

const HELP = `usage: tfpipe dag FILE [--mermaid] [--set PATH=VALUE ...]

Prints the stages in run order with the upstream outputs each reads; --mermaid prints a Mermaid flowchart
(paste it into a Markdown file to draw it).
`;

export async function dagCommand(argv: string[], io: CommandIO): Promise<number> {
  const args = parseCommandArgs(argv, { mermaid: { type: 'boolean' }, set: { type: 'string', multiple: true } });
  if (args.help) return (io.out(HELP), EXIT.ok);
  if (args.positionals.length !== 1) throw new UsageError('tfpipe dag takes one pipeline file');
  const spec = await loadSpecOrReport(io, args.positionals[0], list(args.values.set));
  if (!spec) return EXIT.invalid;
  io.out(args.values.mermaid ? formatMermaid(spec) : formatText(spec));
  return EXIT.ok;
}

export function formatText(spec: PipelineSpec): string {
  const byId = new Map(spec.stages.map((s) => [s.id, s]));
  const order = topologicalOrder(buildGraph(spec)).map((id) => byId.get(id)!);
  const width = Math.max(...order.map((s) => `${s.id} (${s.kind})`.length));
  const lines = order.map((s) => {
    const head = `${s.id} (${s.kind})`;
    const ins = Object.entries(s.inputs).map(([port, b]) => `${port} ← ${b.stage}.${b.output} [${b.type}]`);
    return ins.length === 0 ? head : `${head.padEnd(width)}  ${ins.join(', ')}`;
  });
  return lines.join('\n') + '\n';
}

export function formatMermaid(spec: PipelineSpec): string {
  const lines = ['flowchart TD'];
  for (const s of spec.stages) lines.push(`  ${nodeId(s.id)}["${s.id}<br/><small>${s.kind}</small>"]`);
  for (const s of spec.stages) {
    for (const [port, b] of Object.entries(s.inputs))
      lines.push(`  ${nodeId(b.stage)} -->|"${b.output} → ${port}"| ${nodeId(s.id)}`);
  }
  return lines.join('\n') + '\n';
}

/** Mermaid ids cannot contain '-'. */
function nodeId(id: string): string {
  return `s_${id.replace(/-/g, '_')}`;
}
