"""Small directed-graph algorithms: components, a deterministic order, the longest chain and layer depths.

All are iterative (no recursion limit) and linear in nodes plus edges.

Graphs are ``{node: [successors]}`` over every node; ``rank`` gives each node a sort key so that every result is
the same from one run to the next.
"""

from __future__ import annotations

import heapq
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable, Hashable, Mapping, Sequence

__all__ = ("acyclic", "cycles", "layer_depths", "longest_chain", "strongly_connected", "topological_order")

K = TypeVar("K", bound="Hashable")


def strongly_connected(graph: Mapping[K, Sequence[K]]) -> list[list[K]]:
    """The strongly connected components of ``graph`` (Tarjan's algorithm, iterative)."""
    index: dict[K, int] = {}
    low: dict[K, int] = {}
    on_stack: set[K] = set()
    stack: list[K] = []
    components: list[list[K]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work: list[tuple[K, int]] = [(root, 0)]
        while work:
            node, child = work.pop()
            if child == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            successors = graph[node]
            if child < len(successors):
                work.append((node, child + 1))
                nxt = successors[child]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            # All successors done: close the node, then let its caller take its low-link.
            if low[node] == index[node]:
                component: list[K] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(component)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return components


def cycles(graph: Mapping[K, Sequence[K]], rank: Callable[[K], int]) -> list[list[K]]:
    """Groups of nodes that reach each other (components of more than one node, or a node linked to itself)."""
    found = [
        sorted(component, key=rank)
        for component in strongly_connected(graph)
        if len(component) > 1 or component[0] in graph[component[0]]
    ]
    return sorted(found, key=lambda component: rank(component[0]))


def acyclic(graph: Mapping[K, Sequence[K]]) -> dict[K, list[K]]:
    """``graph`` without the edges inside a cycle: what remains has no cycle, so chains and layers are defined."""
    component_of: dict[K, int] = {}
    for number, component in enumerate(strongly_connected(graph)):
        for node in component:
            component_of[node] = number
    return {node: [nxt for nxt in nexts if component_of[nxt] != component_of[node]] for node, nexts in graph.items()}


def topological_order(graph: Mapping[K, Sequence[K]], rank: Callable[[K], int]) -> list[K]:
    """Kahn's order of an acyclic ``graph``, taking the lowest-ranked ready node first."""
    indegree: dict[K, int] = dict.fromkeys(graph, 0)
    for nexts in graph.values():
        for nxt in nexts:
            indegree[nxt] += 1
    ready = [(rank(node), n, node) for n, node in enumerate(graph) if indegree[node] == 0]
    heapq.heapify(ready)
    order: list[K] = []
    positions = {node: n for n, node in enumerate(graph)}
    while ready:
        _, _, node = heapq.heappop(ready)
        order.append(node)
        for nxt in graph[node]:
            indegree[nxt] -= 1
            if indegree[nxt] == 0:
                heapq.heappush(ready, (rank(nxt), positions[nxt], nxt))
    return order


def longest_chain(graph: Mapping[K, Sequence[K]], rank: Callable[[K], int]) -> list[K]:
    """The longest path (most nodes) of an acyclic ``graph``; among equals, the one ending at the lowest rank."""
    order = topological_order(graph, rank)
    length: dict[K, int] = dict.fromkeys(order, 1)
    previous: dict[K, K | None] = dict.fromkeys(order)
    for node in order:
        for nxt in graph[node]:
            candidate = length[node] + 1
            better = candidate > length[nxt]
            tie = candidate == length[nxt] and (prev := previous[nxt]) is not None and rank(node) < rank(prev)
            if better or tie:
                length[nxt] = candidate
                previous[nxt] = node
    if not order:
        return []
    end = min(order, key=lambda node: (-length[node], rank(node)))
    chain: list[K] = []
    current: K | None = end
    while current is not None:
        chain.append(current)
        current = previous[current]
    return chain[::-1]


def layer_depths(graph: Mapping[K, Sequence[K]], rank: Callable[[K], int]) -> dict[K, int]:
    """Each node's layer in an acyclic ``graph``: the number of edges on the longest path reaching it."""
    depth: dict[K, int] = dict.fromkeys(graph, 0)
    for node in topological_order(graph, rank):
        for nxt in graph[node]:
            depth[nxt] = max(depth[nxt], depth[node] + 1)
    return depth
