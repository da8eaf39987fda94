"""Tests for jaxdl.analysis.selection (notes 3.3)."""

import pytest

from jaxdl.analysis import selection

NOTES_3_3 = {  # Classifier, accuracy, running time (ms).
    'A': {'accuracy': 0.90, 'ms': 80},
    'B': {'accuracy': 0.92, 'ms': 95},
    'C': {'accuracy': 0.95, 'ms': 1500},
}


def test_notes_example_picks_b():
  chosen = selection.select_model(NOTES_3_3, optimizing='accuracy', satisficing={'ms': ('<=', 100)})
  assert chosen.name == 'B'
  assert chosen.feasible == ('B', 'A')
  assert list(chosen.rejected) == ['C']
  assert 'ms=1500 fails <= 100' in chosen.rejected['C'][0]
  table = selection.format_selection(NOTES_3_3, chosen)
  assert '| B | 0.92 | 95 | chosen |' in table
  assert '| A | 0.9 | 80 | feasible |' in table


def test_without_constraints_best_optimizing_wins():
  assert selection.select_model(NOTES_3_3, 'accuracy').name == 'C'
  assert selection.select_model(NOTES_3_3, 'ms', mode='min').name == 'A'


def test_several_constraints_and_min_mode():
  candidates = {
      'small': {'error': 0.08, 'ms': 5, 'mb': 2},
      'medium': {'error': 0.05, 'ms': 40, 'mb': 30},
      'large': {'error': 0.03, 'ms': 90, 'mb': 400},
  }
  chosen = selection.select_model(
      candidates, 'error', mode='min', satisficing={'ms': ('<', 100), 'mb': ('<=', 50)}
  )
  assert chosen.name == 'medium'
  assert chosen.rejected == {'large': ['mb=400 fails <= 50']}


def test_ties_keep_order():
  candidates = {'x': {'f1': 0.5}, 'y': {'f1': 0.5}}
  assert selection.select_model(candidates, 'f1').name == 'x'


def test_no_feasible_model_raises_with_reasons():
  with pytest.raises(selection.NoFeasibleModelError, match='A: ms=80 fails <= 50'):
    selection.select_model(NOTES_3_3, 'accuracy', satisficing={'ms': ('<=', 50)})


def test_bad_inputs_raise():
  with pytest.raises(ValueError, match='mode'):
    selection.select_model(NOTES_3_3, 'accuracy', mode='best')
  with pytest.raises(ValueError, match='op'):
    selection.select_model(NOTES_3_3, 'accuracy', satisficing={'ms': ('=<', 100)})
  with pytest.raises(ValueError, match="no value for metrics \\['f1'\\]"):
    selection.select_model(NOTES_3_3, 'f1')
  with pytest.raises(ValueError, match='empty'):
    selection.select_model({}, 'accuracy')
