"""Reading the versioned reference files and reporting a bad one by file and field."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

REFERENCE_DIR = Path(__file__).resolve().parents[1] / "reference"
FRAMEWORKS_DIR = REFERENCE_DIR / "frameworks"

# Version ids double as file names, so they must not be able to walk out of the directory.
_VERSION_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_LABEL_KEYS = ("code", "competency", "area", "level", "reason", "id")

M = TypeVar("M", bound=BaseModel)


class Frozen(BaseModel):
    """Base of every reference model: unknown keys are errors and loaded data never changes."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ReferenceDataError(ValueError):
    """A reference file is missing or invalid; each problem names the field that is wrong."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__(f"{path}: " + "; ".join(problems))


def path_for(directory: Path, version_id: str) -> Path:
    """The file that holds `version_id` (its name is the version id)."""
    if not _VERSION_ID.match(version_id):
        raise ReferenceDataError(directory / f"{version_id}.yaml", ["not a valid version id"])
    return directory / f"{version_id}.yaml"


def read_model(path: Path, model: type[M], *, version_id: str | None = None) -> M:
    """Parse and validate one YAML file; the file's version_id must match its name."""
    return read_model_and_digest(path, model, version_id=version_id)[0]


def read_model_and_digest(path: Path, model: type[M], *,
                          version_id: str | None = None) -> tuple[M, str]:
    """`read_model`, and the SHA-256 (hex) of the very bytes the model was parsed from.

    A cycle stores the digest of the files it opened with, so that a published version edited
    in place is refused rather than silently re-scoring old assessments (cycle/reference.py).
    """
    try:
        raw = path.read_bytes()
        data = yaml.safe_load(raw.decode("utf-8"))
    except FileNotFoundError:
        raise ReferenceDataError(path, ["file not found"]) from None
    except UnicodeDecodeError as exc:
        raise ReferenceDataError(path, [f"not UTF-8: {exc}"]) from None
    except yaml.YAMLError as exc:
        raise ReferenceDataError(path, [f"not valid YAML: {exc}"]) from None
    try:
        loaded = model.model_validate(data)
    except ValidationError as exc:
        raise ReferenceDataError(path, [_describe(err, data) for err in exc.errors()]) from None
    declared = getattr(loaded, "version_id", None)
    if version_id is not None and declared != version_id:
        raise ReferenceDataError(path, [f"version_id: {declared!r} does not match the file name"])
    return loaded, hashlib.sha256(raw).hexdigest()


def _describe(error: Any, data: Any) -> str:
    """`competencies[2 code=3].sub_competencies: ...`: list items are named by their code."""
    parts: list[str] = []
    node = data
    for key in error["loc"]:
        if isinstance(key, int) and isinstance(node, list) and key < len(node):
            node = node[key]
            parts[-1:] = [f"{parts[-1] if parts else ''}[{key}{_label(node)}]"]
            continue
        parts.append(str(key))
        node = node.get(key) if isinstance(node, dict) else None
    where = ".".join(parts) or "(top level)"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}"


def _label(node: Any) -> str:
    if isinstance(node, dict):
        for key in _LABEL_KEYS:
            if key in node:
                return f" {key}={node[key]}"
    return ""
