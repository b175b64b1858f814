"""Load the YAML files of the adapters (cluster file, CodeCarbon sidecar, mapping file)
with the one YAML loader (``wattledger.yamlfile``: safe types, a repeated key is an error) and validate them with pydantic, translating pydantic's
errors into messages that name the file and the key.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from wattledger.yamlfile import parse_yaml, yaml_problem

T = TypeVar("T", bound=BaseModel)


class ConfigFileError(Exception):
    """An adapter's YAML file is unreadable or invalid; the message names the file and each key."""

    def __init__(self, path, problems: list[str]):
        self.path = str(path)
        self.problems = problems
        super().__init__(f"{self.path}: " + "; ".join(problems))


class Strict(BaseModel):
    """Unknown keys are errors (a typo must not be silently ignored)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def check_timezone(name: str) -> str:
    """``name`` if it is an IANA time zone (``Europe/Paris``, ``UTC``), else ValueError."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name!r} is not an IANA time zone name (e.g. 'America/Chicago', 'Europe/Paris', 'UTC')") from None
    return name


def _message(err: dict) -> str:
    loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
    kind = err["type"]
    if kind == "extra_forbidden":
        return f"{loc}: unknown key"
    if kind == "missing":
        return f"{loc}: required key missing"
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    return f"{loc}: {msg}"


def load_yaml_model(path: Path, model: type[T]) -> T:
    """Read ``path`` as YAML (``parse_yaml``: a repeated key is an error) and validate it as ``model``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigFileError(path, [f"cannot read: {err.strerror}"]) from None
    except UnicodeDecodeError:
        raise ConfigFileError(path, ["not valid UTF-8 text"]) from None
    try:
        data = parse_yaml(text)
    except yaml.YAMLError as err:
        raise ConfigFileError(path, [yaml_problem(err)]) from None
    if not isinstance(data, dict):
        raise ConfigFileError(path, ["expected a YAML mapping (key: value lines) at the top level"])
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise ConfigFileError(path, [_message(e) for e in err.errors()]) from None
