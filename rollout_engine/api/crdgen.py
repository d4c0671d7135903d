"""Generate ``deploy/crds/*.yaml`` from the models (``make crds``).

The CRDs are committed; a test regenerates them and fails when they are stale,
so the schema a cluster enforces is always the one the code validates with.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

from rollout_engine.api.kinds import GROUP, KINDS, VERSION, KindInfo
from rollout_engine.api.structural import structural_schema

__all__ = ["crd_for", "main", "render_all"]

HEADER = "# Generated from rollout_engine/api by `make crds`. Do not edit by hand.\n"


def crd_for(info: KindInfo) -> dict[str, Any]:
    """The CustomResourceDefinition of one kind."""
    schema = structural_schema(info.model.model_json_schema(by_alias=True, mode="validation"))
    props = schema["properties"]
    props["apiVersion"] = {"type": "string"}
    props["kind"] = {"type": "string"}
    props["metadata"] = {"type": "object"}
    schema["required"] = [r for r in schema.get("required", []) if r not in ("apiVersion", "kind")]
    version: dict[str, Any] = {
        "name": VERSION,
        "served": True,
        "storage": True,
        "schema": {"openAPIV3Schema": schema},
    }
    if info.has_status:
        version["subresources"] = {"status": {}}
    if info.columns:
        version["additionalPrinterColumns"] = [_column(c) for c in info.columns]
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {
            "name": info.crd_name,
            "labels": {"app.kubernetes.io/part-of": "rollout-engine"},
        },
        "spec": {
            "group": GROUP,
            "names": {
                "kind": info.kind,
                "listKind": f"{info.kind}List",
                "plural": info.plural,
                "singular": info.singular,
                "shortNames": list(info.short_names),
                "categories": ["rollout-engine"],
            },
            "scope": "Namespaced" if info.namespaced else "Cluster",
            "versions": [version],
        },
    }


def _column(column: Any) -> dict[str, Any]:
    out = {"name": column.name, "type": column.type, "jsonPath": column.json_path}
    if column.description:
        out["description"] = column.description
    if column.priority:
        out["priority"] = column.priority
    return out


def render_all() -> dict[str, str]:
    """File name → YAML text for every CRD plus the kustomization that lists them."""
    files = {
        f"{info.plural}.yaml": HEADER + yaml.safe_dump(crd_for(info), sort_keys=False)
        for info in KINDS
    }
    kustomization = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": sorted(files),
    }
    files["kustomization.yaml"] = HEADER + yaml.safe_dump(kustomization, sort_keys=False)
    return files


def main(argv: list[str] | None = None) -> int:
    """Write the CRDs into the directory given as the only argument."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m rollout_engine.api.crdgen OUTPUT_DIR", file=sys.stderr)
        return 2
    out = Path(args[0])
    out.mkdir(parents=True, exist_ok=True)
    for name, text in render_all().items():
        (out / name).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
