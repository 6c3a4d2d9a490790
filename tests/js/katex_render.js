// Renders each LaTeX string of a JSON array (stdin) with KaTeX in display mode and prints a
// JSON array of {index, error} for the ones that fail. Used by tests/test_katex.py.
const katex = require("katex");
let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const errors = [];
  JSON.parse(input).forEach((tex, index) => {
    try {
      katex.renderToString(tex, { displayMode: true, throwOnError: true, strict: "error" });
    } catch (e) {
      errors.push({ index, error: String(e.message || e) });
    }
  });
  process.stdout.write(JSON.stringify(errors));
});
