"""The README's code snippet runs as written and learns."""
import contextlib
import io
import re

from helpers import ROOT


def test_readme_snippet_runs_and_trains():
  text = (ROOT / 'README.md').read_text()
  code = re.search(r'## Using the functions in your own code\n\n```python\n(.*?)```',
                   text, re.S).group(1)
  out = io.StringIO()
  with contextlib.redirect_stdout(out):
    exec(compile(code, 'README.md snippet', 'exec'), {})
  assert float(out.getvalue().strip().splitlines()[-1]) < 0.2  # last-batch error


def test_readme_has_exactly_two_setup_commands():
  text = (ROOT / 'README.md').read_text()
  section = text.split('## Two commands', 1)[1].split('\n## ', 1)[0]
  commands = re.findall(r'```bash\n(.*?)\n```', section, re.S)
  assert len(commands) == 2
  assert (ROOT / '.ci/run').read_text().strip().endswith(commands[1].strip())
