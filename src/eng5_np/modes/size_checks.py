"""Plan's warnings about essay sizes (issue 14): an essay far longer or shorter than the rest,
and a comparison prompt larger than the named model's context window.

Both name the essay. The length rule is :mod:`eng5_np.analysis.length_outliers`; prompt sizes
follow :mod:`eng5_np.reference.token_model` (the estimate's token model), and the context
window comes from the model manifest — "unknown" where the manifest has none.
"""

from __future__ import annotations

from collections.abc import Sequence

from eng5_np.dataset.inventory import EssayFile
from eng5_np.reference.llm_models import ModelEntry
from eng5_np.reference.token_model import comparison_prompt_tokens


def length_warnings(essays: Sequence[EssayFile]) -> list[str]:
    """One line per essay whose length is an outlier among ``essays``."""
    # Lazy: the analysis package loads numpy, which plan needs for nothing else.
    from eng5_np.analysis.length_outliers import Z_LIMIT, length_outliers

    by_path = {essay.source_path: essay.word_count for essay in essays}
    return [
        f"{o.essay}: {o.words:,} words, {'longer' if o.z > 0 else 'shorter'} than the other "
        f"essays (median {o.median_words:,.0f}; robust z of log length {o.z:+.1f}, beyond "
        f"±{Z_LIMIT}); check it is the essay you meant"
        for o in length_outliers(by_path)
    ]


def context_warnings(
    essays: Sequence[EssayFile], task_words: int, model: ModelEntry, answer_tokens: int = 0
) -> list[str]:
    """Essays whose comparison prompts cannot fit ``model``'s context window, one line each.

    An essay is named when even its comparison with the shortest other essay does not fit
    (it is the cause); when every essay fits alone but the two longest do not fit together,
    the two are named. ``answer_tokens`` (``--llm-max-tokens``) is added to each prompt.
    With no known window, one line says it is unknown and how large the largest prompt is.
    """
    if len(essays) < 2:
        return []
    ordered = sorted(essays, key=lambda essay: essay.word_count)
    shortest, longest = ordered[0], ordered[-1]
    largest = comparison_prompt_tokens(task_words, longest.word_count, ordered[-2].word_count)
    name = f"{model.provider.value}/{model.model_id}"
    window = model.context_window
    if window is None:
        return [
            f"context window of {name}: unknown (not in the model manifest), so prompt sizes "
            f"were not checked; the largest comparison prompt is ≈{largest:,} tokens"
        ]

    def needs(essay: EssayFile, other: EssayFile) -> int:
        return (
            comparison_prompt_tokens(task_words, essay.word_count, other.word_count) + answer_tokens
        )

    lines: list[str] = []
    for essay in reversed(ordered):
        other = ordered[1] if essay is shortest else shortest
        tokens = needs(essay, other)
        if tokens <= window:
            break
        lines.append(
            f"{essay.source_path}: {essay.word_count:,} words; every comparison prompt with it "
            f"holds ≥{tokens:,} tokens, more than the {window:,}-token context window of "
            f"{name}; shorten it or move it out of the dataset"
        )
    if not lines and needs(longest, ordered[-2]) > window:
        lines.append(
            f"{longest.source_path} and {ordered[-2].source_path}: compared with each other "
            f"their prompt holds ≈{needs(longest, ordered[-2]):,} tokens, more than the "
            f"{window:,}-token context window of {name}"
        )
    return lines
