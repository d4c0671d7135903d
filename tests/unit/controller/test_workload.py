"""The workload model: revisions, the primary's labels (and back), readiness, the service's size."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from rollout_engine.controller.ownership import REVISION_LABEL, SCALED_REPLICAS, label_value
from rollout_engine.controller.workload import (
    from_primary_template,
    primary_selector,
    primary_template,
    ready_of,
    revision_of,
    selector_of,
    service_size,
    template_of,
)
from rollout_engine.errors import SpecError


def _deployment(*, size: int = 4, image: str = "web:1", **status: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": "web", "generation": 3, "annotations": {}},
        "spec": {
            "replicas": size,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web", "team": "shop"}},
                "spec": {"containers": [{"name": "web", "image": image}]},
            },
        },
        "status": {"observedGeneration": 3, **status},
    }


def test_the_revision_label_never_changes_the_revision() -> None:
    plain = _deployment()
    labelled = copy.deepcopy(plain)
    labelled["spec"]["template"]["metadata"]["labels"][REVISION_LABEL] = "whatever"
    assert revision_of(template_of(plain)) == revision_of(template_of(labelled))
    assert revision_of(template_of(_deployment(image="web:2"))) != revision_of(template_of(plain))
    assert len(revision_of(template_of(plain))) == 10


def test_the_primary_template_round_trips_to_the_users() -> None:
    template = template_of(_deployment())
    selector = selector_of(_deployment())
    primary = primary_template(template, selector=selector, revision="abc")
    assert primary["metadata"]["labels"] == {
        "app": "web-primary",
        "team": "shop",
        REVISION_LABEL: "abc",
    }
    assert primary_selector(selector) == {"app": "web-primary"}
    assert from_primary_template(primary, selector=selector) == template


def test_long_label_values_stay_valid() -> None:
    value = "x" * 60
    suffixed = primary_selector({"app": value})["app"]
    assert len(suffixed) <= 63 and suffixed.endswith("-primary")
    assert len(label_value("r" * 100)) == 63


def test_match_expressions_are_refused_with_the_reason() -> None:
    deployment = _deployment()
    deployment["spec"]["selector"] = {"matchExpressions": [{"key": "app", "operator": "Exists"}]}
    with pytest.raises(SpecError, match="matchExpressions"):
        selector_of(deployment)


@pytest.mark.parametrize(
    ("status", "ready"),
    [
        ({"replicas": 4, "updatedReplicas": 4, "readyReplicas": 4}, 4),
        ({"replicas": 4, "updatedReplicas": 4, "readyReplicas": 3}, 3),
        # a rolling update: 1 new pod (not ready yet) and 4 old ready ones
        ({"replicas": 5, "updatedReplicas": 1, "readyReplicas": 4}, 0),
        ({"replicas": 5, "updatedReplicas": 2, "readyReplicas": 5}, 2),
        ({}, 0),
    ],
)
def test_readiness_counts_only_the_current_template(status: dict[str, Any], ready: int) -> None:
    assert ready_of(_deployment(**status)) == ready


def test_a_stale_status_is_not_read_as_a_count() -> None:
    deployment = _deployment(replicas=4, updatedReplicas=4, readyReplicas=4)  # status fields
    deployment["metadata"]["generation"] = 4
    assert ready_of(deployment) is None
    assert ready_of(None) == 0


def test_the_service_size_is_the_primarys_unless_someone_else_scaled_the_workload() -> None:
    primary = _deployment(size=6)
    candidate = _deployment(size=4)
    assert service_size(candidate, None) == 4, "first sight: the workload's replicas"
    assert service_size(candidate, primary) == 4, "never written by us: the user's value"
    candidate["spec"]["replicas"] = 1
    candidate["metadata"]["annotations"][SCALED_REPLICAS] = "1/6"
    assert service_size(candidate, primary) == 6, "our own scaling: the primary's size"
    assert service_size(candidate, None) == 6, "the primary is gone: the size we recorded"
    candidate["spec"]["replicas"] = 8
    assert service_size(candidate, primary) == 8, "kubectl scale or a Git sync: the new size"
