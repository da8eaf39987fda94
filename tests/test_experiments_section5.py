"""End-to-end smoke runs of the notes-§5 experiments (translate, char_lm)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from launch.configs import char_lm as char_lm_config  # noqa: E402
from launch.configs import translate as translate_config  # noqa: E402


def test_translate_smoke_end_to_end(tmp_path):
  from jaxdl.sequence import translate_experiment

  config = translate_config.get_config('smoke')
  result = translate_experiment.run(config, str(tmp_path))
  assert set(result.accuracy) == {'greedy', 'beam 2'}
  for by_split in result.accuracy.values():
    assert set(by_split) == {'dev', 'test'}
    assert all(0.0 <= v <= 1.0 for v in by_split.values())
  assert len(result.examples) == 2
  assert '| greedy | test | 64 |' in result.table
  assert int(result.run.state.step) == config.num_train_steps
  for name in ('translations.md', 'results.md', 'curves_loss.png', 'attention.png'):
    assert (tmp_path / name).exists(), name
  assert os.listdir(tmp_path / 'tensorboard')


def test_char_lm_smoke_end_to_end_and_resume(tmp_path):
  from jaxdl.sequence import char_lm_experiment

  config = char_lm_config.get_config('smoke')
  printed = []
  result = char_lm_experiment.run(config, str(tmp_path), print_fn=printed.append)
  assert set(result.perplexity) == {'train', 'dev', 'test'}
  # Barely trained: close to the uniform perplexity 96, and never above
  # what a model 2x worse than uniform would give.
  assert all(1.0 < p < 192 for p in result.perplexity.values())
  assert result.history['step'] == [2, 4]
  samples = [line for line in printed if 'sample (temperature' in line]
  assert len(samples) == 2 * len(config.char_lm.temperatures)  # during training
  for text in result.samples.values():
    assert text.startswith(config.char_lm.prompt)
    assert len(text) == len(config.char_lm.prompt) + config.char_lm.sample_length
  assert (tmp_path / 'perplexity.png').exists()
  assert (tmp_path / 'results.md').read_text().startswith('| split |')
  # A rerun resumes from the last checkpoint instead of starting over.
  printed.clear()
  again = char_lm_experiment.run(config, str(tmp_path), print_fn=printed.append)
  assert printed[0] == f'resumed at step {config.num_train_steps}'
  assert again.perplexity['dev'] == pytest.approx(result.perplexity['dev'])


def test_unknown_variants_and_corpus_are_rejected():
  with pytest.raises(ValueError, match='variant'):
    translate_config.get_config('huge')
  with pytest.raises(ValueError, match='variant'):
    char_lm_config.get_config('huge')
  from jaxdl.sequence import char_lm_experiment

  config = char_lm_config.get_config('smoke')
  config.corpus = 'war_and_peace'
  with pytest.raises(ValueError, match='corpus'):
    char_lm_experiment.load_corpus(config)


@pytest.mark.slow
@pytest.mark.parametrize('script', ['translate', 'char_lm'])
def test_launcher_smoke(tmp_path, script):
  out = subprocess.run(
      [
          sys.executable,
          f'launch/{script}.py',
          f'--config=launch/configs/{script}.py:smoke',
          f'--workdir={tmp_path}',
      ],
      cwd=ROOT,
      capture_output=True,
      text=True,
      timeout=600,
      check=True,
  )
  assert '| split |' in out.stdout
