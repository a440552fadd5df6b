"""Run libcoveocds on a release package without the network (see ocds_schema/README.md)."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import requests
from libcoveocds.api import ocds_json_output
from libcoveocds.config import LibCoveOCDSConfig
from ocdsextensionregistry import util as registry_util
from requests.adapters import BaseAdapter

from services.procurement.rules.ocds import EXTENSIONS

SCHEMA_DIR = Path(__file__).parent / "ocds_schema"
STANDARD_TAG = "1__1__5"
GITHUB = "https://github.com/open-contracting-extensions"


def closed_codelists(schema: Any) -> dict[str, list[str]]:
    """Codelist file name -> codes, for every closed codelist whose codes the schema enumerates."""
    found: dict[str, list[str]] = {}
    if isinstance(schema, dict):
        if "codelist" in schema and schema.get("openCodelist") is False:
            enum = schema.get("enum") or schema.get("items", {}).get("enum") or []
            found[schema["codelist"]] = [code for code in enum if code is not None]
        for value in schema.values():
            found.update(closed_codelists(value))
    elif isinstance(schema, list):
        for value in schema:
            found.update(closed_codelists(value))
    return found


def _csv(codes: list[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["Code"])
    writer.writerows([code] for code in codes)
    return out.getvalue()


def _zip(root: str, files: Mapping[str, str | bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{root}/", "")
        for name, content in files.items():
            archive.writestr(f"{root}/{name}", content)
    return buffer.getvalue()


@cache
def standard_zip() -> bytes:
    """The standard's repository as libcoveocds' `standard_zip` expects it (schema/ only)."""
    names = ("release-schema.json", "release-package-schema.json",
             "versioned-release-validation-schema.json")
    files: dict[str, str | bytes] = {f"schema/{n}": (SCHEMA_DIR / n).read_bytes() for n in names}
    release = json.loads((SCHEMA_DIR / "release-schema.json").read_text(encoding="utf-8"))
    for name, codes in closed_codelists(release).items():
        files[f"schema/codelists/{name}"] = _csv(codes)
    return _zip(f"standard-{STANDARD_TAG}", files)


def vendored_codelists(extension: str) -> dict[str, str]:
    """Codelist file name -> CSV text of the codelists kept as published by the extension."""
    folder = SCHEMA_DIR / "extensions" / extension / "codelists"
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(folder.glob("*.csv"))}


def csv_codes(text: str) -> list[str]:
    return [row["Code"] for row in csv.DictReader(io.StringIO(text))]


@cache
def extension_archives() -> dict[str, bytes]:
    """URL -> ZIP for each declared extension, where ocdsextensionregistry looks for it."""
    archives = {}
    for url in EXTENSIONS:
        name = url.split("/")[4]
        patch_text = (SCHEMA_DIR / "extensions" / name / "release-schema.json").read_text()
        enums = closed_codelists(json.loads(patch_text))
        codelists = {n: _csv(codes) for n, codes in enums.items()}
        codelists.update(vendored_codelists(name))
        metadata = {"name": {"en": name}, "description": {"en": name},
                    "documentationUrl": {"en": f"{GITHUB}/{name}"}, "compatibility": ["1.1"],
                    "schemas": ["release-schema.json"], "codelists": sorted(codelists)}
        files: dict[str, str | bytes] = {"extension.json": json.dumps(metadata),
                                         "release-schema.json": patch_text}
        files.update({f"codelists/{n}": text for n, text in codelists.items()})
        archives[f"{GITHUB}/{name}/archive/master.zip"] = _zip(f"{name}-master", files)
    return archives


class _LocalFiles(BaseAdapter):
    """Serves the archives above; every other request fails, so nothing reaches the network."""

    def __init__(self, files: Mapping[str, bytes]) -> None:
        super().__init__()
        self.files = files
        self.requested: list[str] = []

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        url = str(request.url)
        self.requested.append(url)
        if url not in self.files:
            raise requests.ConnectionError(f"offline test: no network for {url}")
        response = requests.Response()
        response.status_code, response.url, response.request = 200, url, request
        response._content = self.files[url]
        return response

    def close(self) -> None:
        pass


@contextmanager
def offline_registry() -> Iterator[_LocalFiles]:
    session = registry_util.session
    saved = dict(session.adapters)
    adapter = _LocalFiles(extension_archives())
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    try:
        with session.cache_disabled():
            yield adapter
    finally:
        session.adapters.clear()
        session.adapters.update(saved)


def review(package: dict[str, Any], output_dir: Path) -> dict[str, Any]:
    """libcoveocds' API-context results for the package, computed offline."""
    config = LibCoveOCDSConfig()
    config.config["context"] = "api"
    config.config["standard_zip"] = standard_zip()
    with offline_registry():
        return ocds_json_output(str(output_dir), json_data=package, lib_cove_ocds_config=config)
