"""Which essays make the maximum-likelihood Bradley–Terry θ run off to ±∞ (separation).

Within a connected part of the comparison graph, the ML θ exists exactly when the directed
"beat" graph (an edge i → j for every time i beat j) is strongly connected (Ford 1957). If it
is not, its strongly connected components (SCCs) form a directed acyclic graph, and the ML
distance between any two SCCs is infinite: a *source* SCC (never lost to anyone outside it)
drifts to +∞, a *sink* SCC (never beat anyone outside it) to −∞, and SCCs in between drift
apart from both.

Which essays to name. Measured against the part's largest SCC — the body of essays whose
relative θ the data do fix — every essay outside it has an infinite ML distance from it; those
are reported as *separated*. An essay that won all its 7 comparisons is then the one name (not
the 23 essays it beat, which form the body), and a batch in which every pair has a fixed winner
(every SCC a single essay, no body) names every essay. When two SCCs tie for largest, no group
is the body and the whole part is named.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt


def separated_essays(wins: npt.NDArray[np.float64], essay_ids: Sequence[str]) -> list[str]:
    """Essays outside the largest SCC of a connected part that is not strongly connected.

    ``wins[i, j]`` counts how often essay ``essay_ids[i]`` beat ``essay_ids[j]``. Sorted ids.
    """
    beat = wins > 0
    strong = strongly_connected_components(beat)
    weak = strongly_connected_components(beat | beat.T)
    separated: list[str] = []
    for part in set(weak):
        members = [i for i, label in enumerate(weak) if label == part]
        sizes = Counter(strong[i] for i in members)
        if len(sizes) == 1:
            continue  # strongly connected: the ML θ of this part exists
        (body, largest), *rest = sizes.most_common()
        tied = bool(rest) and rest[0][1] == largest
        separated.extend(essay_ids[i] for i in members if tied or strong[i] != body)
    return sorted(separated)


def strongly_connected_components(adjacency: npt.NDArray[np.bool_]) -> list[int]:
    """A component label per node of the directed graph ``adjacency[i, j]`` (edge i → j).

    Kosaraju's two passes, iterative (no recursion limit): finish order on the graph, then
    reachability on the reversed graph in reverse finish order. O(n²) on a dense matrix.
    """
    size = adjacency.shape[0]
    successors = [np.flatnonzero(adjacency[i]).tolist() for i in range(size)]
    predecessors = [np.flatnonzero(adjacency[:, i]).tolist() for i in range(size)]
    visited = [False] * size
    order: list[int] = []
    for start in range(size):
        if visited[start]:
            continue
        visited[start] = True
        stack = [(start, iter(successors[start]))]
        while stack:
            node, pending = stack[-1]
            advanced = False
            for following in pending:
                if not visited[following]:
                    visited[following] = True
                    stack.append((following, iter(successors[following])))
                    advanced = True
                    break
            if not advanced:
                stack.pop()
                order.append(node)
    labels = [-1] * size
    current = 0
    for start in reversed(order):
        if labels[start] != -1:
            continue
        labels[start] = current
        frontier = [start]
        while frontier:
            node = frontier.pop()
            for previous in predecessors[node]:
                if labels[previous] == -1:
                    labels[previous] = current
                    frontier.append(previous)
        current += 1
    return labels
