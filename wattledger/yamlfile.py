"""The one YAML loader of the user's configuration files (site file ``datacenters.yaml``,
mapping files, ``cluster.yaml``, ``codecarbon.yaml``, ``telemetry.yaml``).

PyYAML's ``safe_load`` keeps the last of two equal keys silently (``pue: 1.2`` then
``pue: 1.6`` is 1.6); which one the user meant cannot be known, so a repeated key is an error
naming its line, the key and the line of its first occurrence.
"""

from __future__ import annotations

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode


class DuplicateKeyError(ConstructorError):
    """A key given twice in one YAML mapping."""


class UniqueKeyLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses a key repeated in a mapping (merge keys ``<<`` are
    resolved first, and may be overridden by the mapping's own keys, as YAML specifies)."""

    def construct_mapping(self, node: MappingNode, deep: bool = False):
        if isinstance(node, MappingNode):
            seen: dict[object, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    first = seen.get(key)
                except TypeError:
                    continue  # an unhashable key: SafeLoader's own error follows
                if first is not None:
                    raise DuplicateKeyError(
                        None, None,
                        f"key {key!r} is repeated (first at line {first + 1}); which value is meant cannot be known",
                        key_node.start_mark,
                    )
                seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


def parse_yaml(text: str) -> object:
    """``text`` as YAML data (safe types only); :class:`yaml.YAMLError` if it is not valid
    YAML or repeats a key in a mapping."""
    return yaml.load(text, Loader=UniqueKeyLoader)  # noqa: S506  (a SafeLoader subclass)


def yaml_problem(err: yaml.YAMLError) -> str:
    """A one-line description of ``err`` with its line and column:
    ``line 5, column 3: key 'pue' is repeated (first at line 3); ...``."""
    mark = getattr(err, "problem_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
    if isinstance(err, DuplicateKeyError):
        return f"{where}{err.problem}"
    return f"{where}not valid YAML ({getattr(err, 'problem', None) or err})"
