"""The README's code snippet runs as written and learns."""

import contextlib
import io
import re

from helpers import ROOT


def test_readme_snippet_runs_and_trains():
  text = (ROOT / 'README.md').read_text()
  section = text.split('## Using the functions in your own code\n', 1)[1].split('\n## ', 1)[0]
  code = re.search(r'```python\n(.*?)```', section, re.S).group(1)  # the section's snippet
  imports = [line for line in code.splitlines() if line.startswith(('import ', 'from '))]
  assert len(imports) <= 4, imports  # the public API: no deep imports needed
  out = io.StringIO()
  with contextlib.redirect_stdout(out):
    exec(compile(code, 'README.md snippet', 'exec'), {})
  last = out.getvalue().strip().splitlines()[-1]
  step, error = re.fullmatch(r'step (\d+): dev error ([0-9.]+)', last).groups()
  assert int(step) == 200
  assert float(error) < 0.2  # the whole dev split, exact


def test_readme_has_exactly_two_setup_commands():
  text = (ROOT / 'README.md').read_text()
  section = text.split('## Two commands', 1)[1].split('\n## ', 1)[0]
  commands = re.findall(r'```bash\n(.*?)\n```', section, re.S)
  assert len(commands) == 2
  assert (ROOT / '.ci/run').read_text().strip().endswith(commands[1].strip())
