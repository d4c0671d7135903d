"""Generated CRDs: current, structural, renderable, and enforcing the same rules as the models."""

from __future__ import annotations

import copy
import subprocess
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
import yaml

from rollout_engine.api.crdgen import render_all
from rollout_engine.api.kinds import KINDS
from tests.paths import CRDS, EXAMPLES, ROOT

COMBINATORS = ("anyOf", "allOf", "oneOf", "not")


def _crds() -> dict[str, dict[str, Any]]:
    return {info.kind: yaml.safe_load((CRDS / f"{info.plural}.yaml").read_text()) for info in KINDS}


def _schema(kind: str) -> dict[str, Any]:
    schema: dict[str, Any] = _crds()[kind]["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    return schema


def test_committed_crds_match_the_models() -> None:
    stale = [
        name
        for name, text in render_all().items()
        if not (CRDS / name).exists() or (CRDS / name).read_text() != text
    ]
    assert stale == [], f"deploy/crds is stale for {stale}: run `make crds` and commit"


def _nodes(node: dict[str, Any], path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    yield path, node
    for name, sub in node.get("properties", {}).items():
        yield from _nodes(sub, f"{path}.{name}")
    if isinstance(node.get("items"), dict):
        yield from _nodes(node["items"], f"{path}[]")
    if isinstance(node.get("additionalProperties"), dict):
        yield from _nodes(node["additionalProperties"], f"{path}{{}}")


@pytest.mark.parametrize("kind", [k.kind for k in KINDS])
def test_schemas_are_structural(kind: str) -> None:
    problems = []
    for path, node in _nodes(_schema(kind)):
        free = node.get("x-kubernetes-int-or-string") or node.get(
            "x-kubernetes-preserve-unknown-fields"
        )
        if "$ref" in node or "$defs" in node:
            problems.append(f"{path}: reference")
        if not free and not node.get("type"):
            problems.append(f"{path}: no type")
        if any(c in node for c in COMBINATORS):
            problems.append(f"{path}: combinator")
        if node.get("additionalProperties") is False:
            problems.append(f"{path}: additionalProperties false")
        if "properties" in node and "additionalProperties" in node:
            problems.append(f"{path}: properties with additionalProperties")
        if node.get("type") == "object" and not (
            "properties" in node or "additionalProperties" in node or free or path == ".metadata"
        ):
            problems.append(f"{path}: object without properties")
        if {"title", "default", "examples"} & node.keys():
            problems.append(f"{path}: non-structural keyword")
    assert problems == []
    assert _schema(kind)["properties"]["metadata"] == {"type": "object"}


def test_crds_carry_status_subresource_printer_columns_and_short_names() -> None:
    rollouts = _crds()["Rollout"]
    version = rollouts["spec"]["versions"][0]
    assert version["subresources"] == {"status": {}}
    columns = {c["name"]: c["jsonPath"] for c in version["additionalPrinterColumns"]}
    assert columns["Phase"] == ".status.phase"
    assert columns["Step"] == ".status.currentStepIndex"
    assert columns["Weight"] == ".status.currentWeights.canary"
    assert "Age" in columns
    assert "ro" in rollouts["spec"]["names"]["shortNames"]
    assert _crds()["ClusterAnalysisTemplate"]["spec"]["scope"] == "Cluster"


def test_kubectl_kustomize_renders_the_crds_offline() -> None:
    out = subprocess.run(
        ["kubectl", "kustomize", str(CRDS)], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    names = sorted(d["metadata"]["name"] for d in yaml.safe_load_all(out) if d)
    assert names == sorted(info.crd_name for info in KINDS)


def _as_json_schema(node: Any) -> Any:
    """OpenAPI v3.0 (Kubernetes flavour) → JSON Schema draft 4, to validate documents."""
    if not isinstance(node, dict):
        return node
    out = {k: _as_json_schema(v) for k, v in node.items() if not k.startswith("x-kubernetes")}
    for key in ("properties",):
        if key in out:
            out[key] = {n: _as_json_schema(s) for n, s in node[key].items()}
    if node.get("x-kubernetes-int-or-string"):
        out["type"] = ["integer", "string"]
    if out.pop("nullable", False):
        out["type"] = [
            *([out["type"]] if isinstance(out.get("type"), str) else out["type"]),
            "null",
        ]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    if node.get("type") == "object" and "properties" in node:
        out["additionalProperties"] = False  # the API server would prune; we want to see it
    return out


def _example_docs(kind: str) -> list[dict[str, Any]]:
    return [
        d
        for p in sorted(EXAMPLES.rglob("*.yaml"))
        for d in yaml.safe_load_all(p.read_text())
        if isinstance(d, dict) and d.get("kind") == kind
    ]


@pytest.mark.parametrize("kind", ["Rollout", "AnalysisTemplate", "ClusterAnalysisTemplate"])
def test_examples_validate_against_the_generated_schema(kind: str) -> None:
    schema = _as_json_schema(_schema(kind))
    schema["properties"]["metadata"] = {"type": "object"}
    docs = _example_docs(kind)
    assert docs, f"no example of {kind}"
    for doc in docs:
        jsonschema.Draft4Validator(schema).validate(doc)


def test_the_schema_rejects_what_the_models_reject() -> None:
    schema = _as_json_schema(_schema("Rollout"))
    doc = copy.deepcopy(
        next(d for d in _example_docs("Rollout") if "canary" in d["spec"]["strategy"])
    )
    doc["spec"]["strategy"]["canary"]["steps"][0] = {"setWeight": 120}
    with pytest.raises(jsonschema.ValidationError, match="120 is greater than the maximum"):
        jsonschema.Draft4Validator(schema).validate(doc)
