"""The objects of the end-to-end scenarios: a Deployment, router objects, templates, Rollouts."""

from __future__ import annotations

from typing import Any

__all__ = [
    "ISTIO_SUCCESS",
    "NGINX_SUCCESS",
    "deployment",
    "ingress",
    "rollout",
    "service",
    "template",
    "virtual_service",
]

Obj = dict[str, Any]
GV = "rollout-engine.io/v1alpha1"

ISTIO_SUCCESS = (
    'sum(rate(istio_requests_total{reporter="destination",'
    'destination_workload="{{args.workload}}",response_code!~"5.*"}[1m])) / '
    'sum(rate(istio_requests_total{reporter="destination",'
    'destination_workload="{{args.workload}}"}[1m]))'
)
NGINX_SUCCESS = (
    'sum(rate(nginx_ingress_controller_requests{ingress="{{args.ingress}}",canary!="",'
    'status!~"5.*"}[1m])) / '
    'sum(rate(nginx_ingress_controller_requests{ingress="{{args.ingress}}",canary!=""}[1m]))'
)


def deployment(name: str = "web", *, replicas: int = 4, image: str = "web:1.0") -> Obj:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name, "team": "shop"}},
                "spec": {
                    "containers": [
                        {
                            "name": name,
                            "image": image,
                            "ports": [{"name": "http", "containerPort": 8080}],
                        }
                    ]
                },
            },
        },
    }


def service(name: str = "web", *, app: str = "web") -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name},
        "spec": {
            "selector": {"app": app},
            "ports": [{"name": "http", "port": 80, "targetPort": 8080}],
        },
    }


def virtual_service(
    name: str = "web",
    *,
    stable: str = "web-primary",
    canary: str = "web-canary",
    subsets: bool = False,
) -> Obj:
    def destination(host: str, subset: str) -> Obj:
        return {"host": host, "subset": subset} if subsets else {"host": host}

    host_stable, host_canary = ("web-all", "web-all") if subsets else (stable, canary)
    return {
        "apiVersion": "networking.istio.io/v1",
        "kind": "VirtualService",
        "metadata": {"name": name},
        "spec": {
            "hosts": [f"{name}.shop.svc.cluster.local"],
            "http": [
                {
                    "name": "primary",
                    "route": [
                        {"destination": destination(host_stable, "stable"), "weight": 100},
                        {"destination": destination(host_canary, "canary"), "weight": 0},
                    ],
                    "timeout": "10s",
                }
            ],
        },
    }


def destination_rule(name: str = "web") -> Obj:
    return {
        "apiVersion": "networking.istio.io/v1",
        "kind": "DestinationRule",
        "metadata": {"name": name},
        "spec": {
            "host": "web-all",
            "subsets": [
                {"name": "stable", "labels": {"team": "shop"}},
                {"name": "canary", "labels": {"team": "shop"}},
            ],
        },
    }


def ingress(name: str = "web", *, backend: str = "web") -> Obj:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": name},
        "spec": {
            "ingressClassName": "nginx",
            "rules": [
                {
                    "host": "web.example.com",
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": backend, "port": {"number": 80}}},
                            }
                        ]
                    },
                }
            ],
        },
    }


def template(name: str, *, query: str, arg: str, count: int = 2) -> Obj:
    return {
        "apiVersion": GV,
        "kind": "AnalysisTemplate",
        "metadata": {"name": name},
        "spec": {
            "args": [{"name": arg}],
            "metrics": [
                {
                    "name": name,
                    "interval": "1m",
                    "count": count,
                    "successCondition": "result[0] >= 0.95",
                    "failureCondition": "result[0] < 0.90",
                    "provider": {"prometheus": {"query": query}},
                }
            ],
        },
    }


def rollout(strategy: Obj, *, name: str = "web", slack_secret: str | None = "slack") -> Obj:
    spec: Obj = {"workloadRef": {"name": name}, "strategy": strategy}
    if slack_secret is not None:
        spec["notifications"] = [
            {
                "type": "slack",
                "channel": "#deploys",
                "urlFrom": {"secretKeyRef": {"name": slack_secret, "key": "url"}},
            }
        ]
    return {"apiVersion": GV, "kind": "Rollout", "metadata": {"name": name}, "spec": spec}
