// index.html of a `tfpipe export --web` folder: plain HTML and CSS; page.js fills it in (page/main.ts).
import { escapeHtml } from '../report/html.ts';

export function indexHtml(title: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${escapeHtml(title)}</title>
<style>
  body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 52rem; padding: 1.5rem; color: #1d1d1f; }
  h1 { font-size: 1.35rem; margin: 0 0 .25rem; }
  .muted { color: #666; font-size: .9rem; }
  textarea { width: 100%; box-sizing: border-box; font: inherit; padding: .5rem; min-height: 6rem; }
  section { margin: 1.25rem 0; }
  #label { font-size: 1.3rem; font-weight: 600; }
  table { border-collapse: collapse; }
  th, td { text-align: left; padding: .15rem .75rem .15rem 0; vertical-align: middle; }
  td.probability { font-variant-numeric: tabular-nums; }
  .bar { height: .8rem; background: #3b7ddd; min-width: 1px; width: 0; }
  #probabilities td:last-child { width: 16rem; }
  #continuation { white-space: pre-wrap; border: 1px solid #ccc; padding: .5rem; min-height: 4rem; }
  #continuation .token:nth-child(odd) { background: #eef4ff; }
  #error { color: #b00020; white-space: pre-wrap; }
  .controls { display: flex; gap: .75rem; align-items: center; flex-wrap: wrap; margin: .5rem 0; }
  .controls input { width: 4.5rem; }
  #card th { font-weight: normal; color: #666; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="muted">Runs in this browser tab, with no server: backend <strong id="backend">starting…</strong></p>
<p id="error" hidden></p>
<section id="classifier" hidden>
  <label for="review">Text</label>
  <textarea id="review" placeholder="Type a review…"></textarea>
  <div id="result">
    <p>Predicted: <span id="label">…</span></p>
    <table id="probabilities"></table>
  </div>
</section>
<section id="language-model" hidden>
  <label for="prompt">Prompt</label>
  <textarea id="prompt" placeholder="Type a prompt…"></textarea>
  <div class="controls">
    <label>Decoding <select id="mode"><option value="greedy">greedy</option><option value="sampled">sampled</option></select></label>
    <label>temperature <input id="temperature" type="number" value="1" min="0.05" step="0.05"></label>
    <label>top-k <input id="top-k" type="number" value="50" min="0" step="1"></label>
    <label>max new tokens <input id="max-new-tokens" type="number" min="1" step="1"></label>
    <button id="generate">Generate</button>
    <button id="stop" disabled>Stop</button>
  </div>
  <div id="continuation"></div>
  <p id="generation-stats" class="muted"></p>
</section>
<section>
  <h2 class="muted">Model card</h2>
  <table id="card"></table>
</section>
<script src="page.js"></script>
</body>
</html>
`;
}
