"""Traffic routing targets and request matches (headers, cookies).

Field names follow Argo Rollouts (``trafficRouting.istio.virtualService``,
``nginx.stableIngress``, ``managedRoutes``, ``headerName``/``headerValue``).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from rollout_engine.api.base import CamelModel, Invalid, Name

__all__ = [
    "CookieMatch",
    "DestinationRuleRef",
    "HeaderMatch",
    "IstioRouting",
    "ManagedRoute",
    "NginxRouting",
    "RouteMatch",
    "StringMatch",
    "TrafficRouting",
    "VirtualServiceRef",
]

HEADER_NAME = r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$"
SUPPORTED_ROUTERS = ("istio", "nginx")


class StringMatch(CamelModel):
    """How a header value must match: exactly one of exact, prefix or regex."""

    exact: str | None = None
    prefix: str | None = None
    regex: str | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> StringMatch:
        if sum(v is not None for v in (self.exact, self.prefix, self.regex)) != 1:
            raise Invalid(
                "a string match has exactly one of exact, prefix, regex",
                fix="keep one of exact, prefix or regex",
            )
        return self


class HeaderMatch(CamelModel):
    """Requests whose header matches go to the candidate."""

    header_name: str = Field(min_length=1, pattern=HEADER_NAME)
    header_value: StringMatch


class CookieMatch(CamelModel):
    """Requests carrying the cookie with this value go to the candidate.

    NGINX Ingress only understands the value ``always`` (its canary-by-cookie
    convention), which is therefore the default.
    """

    cookie_name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")
    cookie_value: str = Field(default="always", min_length=1, pattern=r"^[^;,\s\"]+$")


class RouteMatch(CamelModel):
    """One A/B segment: a header match or a cookie match (segments are OR-ed)."""

    header_name: str | None = Field(default=None, pattern=HEADER_NAME)
    header_value: StringMatch | None = None
    cookie_name: str | None = Field(default=None, pattern=r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")
    cookie_value: str | None = Field(default=None, pattern=r"^[^;,\s\"]+$")

    @model_validator(mode="after")
    def _header_xor_cookie(self) -> RouteMatch:
        header = self.header_name is not None or self.header_value is not None
        cookie = self.cookie_name is not None or self.cookie_value is not None
        if header == cookie:
            raise Invalid(
                "a match is either on a header or on a cookie",
                fix="set headerName and headerValue, or cookieName (and cookieValue)",
            )
        if header and (self.header_name is None or self.header_value is None):
            raise Invalid(
                "a header match needs both headerName and headerValue",
                fix="add the missing headerName or headerValue",
            )
        if cookie and self.cookie_name is None:
            raise Invalid("a cookie match needs cookieName", fix="add cookieName")
        return self


class VirtualServiceRef(CamelModel):
    """The user's VirtualService and the names of the HTTP routes whose weights we own."""

    name: Name
    routes: list[str] = Field(default_factory=list)


class DestinationRuleRef(CamelModel):
    """Subset-level routing: the DestinationRule whose subsets we label by revision."""

    name: Name
    canary_subset_name: str = Field(min_length=1)
    stable_subset_name: str = Field(min_length=1)


class IstioRouting(CamelModel):
    """Istio: weights on routes of one or more VirtualServices (optionally by subset)."""

    virtual_service: VirtualServiceRef | None = None
    virtual_services: list[VirtualServiceRef] = Field(default_factory=list)
    destination_rule: DestinationRuleRef | None = None

    @model_validator(mode="after")
    def _one_form(self) -> IstioRouting:
        if (self.virtual_service is None) == (not self.virtual_services):
            raise Invalid(
                "istio routing names its VirtualService(s) once",
                fix="set exactly one of virtualService or virtualServices",
            )
        return self

    def all_virtual_services(self) -> list[VirtualServiceRef]:
        """Both spellings, as one list."""
        return [self.virtual_service] if self.virtual_service else list(self.virtual_services)


class NginxRouting(CamelModel):
    """NGINX Ingress: a canary Ingress cloned from the stable one, driven by annotations."""

    stable_ingress: Name
    annotation_prefix: str = Field(default="nginx.ingress.kubernetes.io", min_length=1)
    additional_ingress_annotations: dict[str, str] = Field(default_factory=dict)
    canary_ingress_annotations: dict[str, str] = Field(default_factory=dict)


class ManagedRoute(CamelModel):
    """A header/cookie route the engine may create, in precedence order."""

    name: str = Field(min_length=1, max_length=63)


class TrafficRouting(CamelModel):
    """Exactly one router: ``istio`` or ``nginx``."""

    istio: IstioRouting | None = None
    nginx: NginxRouting | None = None
    managed_routes: list[ManagedRoute] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _known_router(cls, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(k for k in data if k not in (*SUPPORTED_ROUTERS, "managedRoutes"))
            if unknown:
                raise Invalid(
                    f"unsupported traffic router {unknown[0]!r}",
                    fix="use one of: " + ", ".join(SUPPORTED_ROUTERS),
                )
        return data

    @model_validator(mode="after")
    def _one_router(self) -> TrafficRouting:
        if (self.istio is None) == (self.nginx is None):
            raise Invalid(
                "trafficRouting needs exactly one router",
                fix="set one of trafficRouting.istio or trafficRouting.nginx",
            )
        return self

    @property
    def router_type(self) -> str:
        """The registry key of the configured router."""
        return "istio" if self.istio is not None else "nginx"
