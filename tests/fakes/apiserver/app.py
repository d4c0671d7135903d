"""Request dispatch: authenticate, route, inject faults, run the verb, journal, respond.

Transport-free (the HTTP glue is in `server.py`), so the order of a real apiserver's
filters is visible in one place: authentication (401) → routing (404) → the test's
partitions and faults → request size (413) → the handler → the journal.
"""

from __future__ import annotations

import json
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

import yaml

from . import discovery, errors, protobuf, router
from .auth import Identities
from .authz import REVIEWS, Authorizer, AuthzRequest, denial, review
from .cluster import Cluster
from .deletion import delete_collection, delete_one, parse_options
from .errors import ApiError
from .faults import Call, Faults
from .journal import Journal, Record
from .managed import manager_from_user_agent
from .output import negotiate, render_list, render_object
from .reads import ListQuery, get_one, list_objects
from .resources import ResourceType
from .scale import get_scale, write_scale
from .watching import WatchRegistry, WatchSession, WatchSpec, expired_line
from .writes import Target, WriteOptions, create, patch, update

_NOT_FOUND = ApiError(404, "NotFound", "the server could not find the requested resource", {})


@dataclass
class HttpRequest:
    method: str
    path: str
    query: dict[str, str]
    raw_query: str
    headers: dict[str, str]
    body: bytes


@dataclass
class HttpResponse:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    stream: WatchSession | None = None
    canned_stream: bytes = b""
    drop: bool = False


@dataclass
class Audit:
    """What the journal will say about the request, filled in as it is understood."""

    identity: str = ""
    verb: str = ""
    group: str = ""
    version: str = ""
    resource: str = ""
    subresource: str = ""
    namespace: str = ""
    name: str = ""
    field_manager: str = ""
    rv_before: str = ""
    rv_after: str = ""
    fault: str = ""
    dry_run: bool = False


def _json(status: int, body: Any, *, headers: dict[str, str] | None = None) -> HttpResponse:
    data = json.dumps(body, separators=(",", ":")).encode()
    return HttpResponse(status, data, {"Content-Type": "application/json", **(headers or {})})


class App:
    """One fake apiserver's request handling, shared by all connection threads."""

    def __init__(
        self,
        *,
        cluster: Cluster,
        journal: Journal,
        faults: Faults,
        identities: Identities,
        watches: WatchRegistry,
        address: str,
    ) -> None:
        self.cluster, self.journal, self.faults = cluster, journal, faults
        self.identities, self.watches, self.address = identities, watches, address
        self.authorizer: Authorizer | None = None

    def handle(self, request: HttpRequest) -> HttpResponse:
        started = time.time()
        audit = Audit()
        try:
            response = self._dispatch(request, audit)
        except ApiError as exc:
            response = _json(exc.code, exc.status(), headers=exc.headers)
        except Exception as exc:  # a bug in the fake: answer 500 and show it
            traceback.print_exc()
            error = errors.internal(f"fake apiserver bug: {exc!r}")
            response = _json(500, error.status())
        self._record(request, audit, response=response, started=started)
        return response

    def _dispatch(self, request: HttpRequest, audit: Audit) -> HttpResponse:
        identity = self.identities.identify(request.headers.get("authorization"))
        if identity is None:
            raise errors.unauthorized()
        audit.identity, audit.verb = identity, "get"
        route = router.parse(request.path)
        if isinstance(route, router.DiscoveryPath):
            return self._discovery(route)
        if route is None:
            raise _NOT_FOUND
        return self._resource(request, route, audit=audit)

    def _discovery(self, route: router.DiscoveryPath) -> HttpResponse:
        registry = self.cluster.registry
        docs: dict[str, Any] = {
            "version": lambda: discovery.SERVER_VERSION,
            "api": lambda: discovery.core_versions(address=self.address),
            "apis": lambda: discovery.group_list(registry),
            "group": lambda: discovery.group(registry, route.group),
            "resources": lambda: discovery.resource_list(
                registry, route.group, version=route.version
            ),
        }
        if route.doc == "health":
            return HttpResponse(200, b"ok", {"Content-Type": "text/plain"})
        body = docs[route.doc]()
        if body is None:
            raise _NOT_FOUND
        return _json(200, body)

    def _resource(
        self, request: HttpRequest, route: router.ResourcePath, *, audit: Audit
    ) -> HttpResponse:
        rt = self._resource_type(route)
        watch = request.query.get("watch", "") in ("true", "1")
        verb = router.verb_of(request.method, route, watch=watch)
        if verb is None or (verb not in rt.verbs and not route.subresource):
            raise errors.method_not_supported(qualified=rt.qualified, verb=request.method)
        target = Target(rt, route.version, route.namespace, route.name, route.subresource)
        self._fill_audit(audit, target, verb=verb, request=request)
        call = Call(
            audit.identity,
            verb,
            rt.plural,
            rt.qualified,
            rt.group,
            route.subresource,
            route.namespace,
            route.name,
        )
        if self.faults.blackholed(audit.identity):
            self.faults.wait_while_blackholed(audit.identity, stopping=self.watches.stopping)
            audit.fault = "blackhole"
            return HttpResponse(0, drop=True)
        delay, error, audit.fault = self.faults.check(call)
        if delay:
            time.sleep(delay)
        if error is not None:
            raise error
        self._authorize(call)
        if len(request.body) > self.cluster.config.max_body:
            raise errors.too_large(self.cluster.config.max_body)
        return self._verb(verb, request, target=target, call=call, audit=audit)

    def _authorize(self, call: Call) -> None:
        if self.authorizer is None or call.plural == REVIEWS:
            return
        request = AuthzRequest(
            call.identity,
            call.verb,
            call.group,
            call.plural,
            call.subresource,
            call.namespace,
            call.name,
        )
        if not self.authorizer(request):
            raise denial(request)

    def _resource_type(self, route: router.ResourcePath) -> ResourceType:
        rt = self.cluster.registry.lookup(route.group, route.version, plural=route.plural)
        if rt is None or (route.namespace and not rt.namespaced):
            raise _NOT_FOUND
        if rt.namespaced and not route.namespace and route.name:
            raise _NOT_FOUND
        if route.subresource and (route.subresource not in rt.subresources() or not route.name):
            raise _NOT_FOUND
        return rt

    def _fill_audit(self, audit: Audit, target: Target, *, verb: str, request: HttpRequest) -> None:
        rt = target.rt
        audit.verb, audit.group, audit.version, audit.resource = (
            verb,
            rt.group,
            target.version,
            rt.plural,
        )
        audit.subresource, audit.namespace, audit.name = (
            target.subresource,
            target.namespace,
            target.name,
        )
        audit.dry_run = request.query.get("dryRun") == "All"
        audit.field_manager = request.query.get("fieldManager") or (
            manager_from_user_agent(request.headers.get("user-agent", ""))
            if verb in ("create", "update", "patch")
            else ""
        )
        if target.name:
            current = self.cluster.store.peek(rt.storage, target.key)
            audit.rv_before = current["metadata"]["resourceVersion"] if current else ""

    def _verb(
        self, verb: str, request: HttpRequest, *, target: Target, call: Call, audit: Audit
    ) -> HttpResponse:
        if verb in ("get", "list", "watch"):
            return self._read(verb, request, target=target, call=call)
        if verb in ("delete", "deletecollection"):
            return self._delete(verb, request, target=target, audit=audit)
        opts = WriteOptions(
            identity=audit.identity,
            manager=audit.field_manager,
            manager_given="fieldManager" in request.query,
            dry_run=audit.dry_run,
            force=request.query.get("force") == "true",
            field_validation=request.query.get("fieldValidation", "Warn"),
        )
        status, obj = self._write(verb, request, target=target, opts=opts)
        audit.rv_after = obj.get("metadata", {}).get("resourceVersion", "")
        warnings = {"Warning": ", ".join(f'299 - "{w}"' for w in opts.warnings)}
        return _json(status, obj, headers=warnings if opts.warnings else None)

    def _write(
        self, verb: str, request: HttpRequest, *, target: Target, opts: WriteOptions
    ) -> tuple[int, dict[str, Any]]:
        content_type = request.headers.get("content-type", "").split(";")[0].strip()
        if target.subresource == "scale":
            body = _decode_body(request) if verb == "update" else None
            return 200, write_scale(
                self.cluster,
                target,
                body=body,
                raw=request.body,
                content_type=content_type if verb == "patch" else "",
                opts=opts,
            )
        if verb == "create" and target.rt.plural == REVIEWS:
            return 201, review(
                _decode_body(request), identity=opts.identity, authorizer=self.authorizer
            )
        if verb == "create":
            return 201, create(self.cluster, target, body=_decode_body(request), opts=opts)
        if verb == "update":
            obj, created = update(self.cluster, target, body=_decode_body(request), opts=opts)
        else:
            obj, created = patch(
                self.cluster, target, raw=request.body, content_type=content_type, opts=opts
            )
        return (201 if created else 200), obj

    def _read(self, verb: str, request: HttpRequest, *, target: Target, call: Call) -> HttpResponse:
        rep = negotiate(request.headers.get("accept"))
        include = request.query.get("includeObject", "Metadata")
        now = self.cluster.config.clock()
        if verb == "get":
            if target.subresource == "scale":
                return _json(200, get_scale(self.cluster, target))
            obj = get_one(
                self.cluster,
                target.rt,
                version=target.version,
                key=target.key,
                not_found=target.not_found(),
            )
            return _json(
                200,
                render_object(
                    rep, target.rt, version=target.version, obj=obj, include=include, now=now
                ),
            )
        query = self._list_query(request, target)
        if verb == "watch":
            return self._watch(request, query, call=call)
        items, rv, cont, remaining = list_objects(self.cluster, query)
        return _json(
            200,
            render_list(
                rep,
                target.rt,
                version=target.version,
                items=items,
                rv=rv,
                include=include,
                now=now,
                cont=cont,
                remaining=remaining,
            ),
        )

    def _list_query(self, request: HttpRequest, target: Target) -> ListQuery:
        q = request.query
        fields = q.get("fieldSelector")
        if target.name:
            fields = ",".join(f for f in (fields, f"metadata.name={target.name}") if f)
        return ListQuery(
            target.rt,
            target.version,
            target.namespace or None,
            label_selector=q.get("labelSelector"),
            field_selector=fields,
            limit=int(q.get("limit") or 0),
            cont=q.get("continue", ""),
        )

    def _watch(self, request: HttpRequest, query: ListQuery, *, call: Call) -> HttpResponse:
        q = request.query
        rv_text = q.get("resourceVersion", "")
        if self.faults.take_expiry(call):
            message = (
                f"too old resource version: {rv_text or 0} ({self.cluster.store.resource_version})"
            )
            return HttpResponse(200, canned_stream=expired_line(message))
        initial = q.get("sendInitialEvents") == "true"
        start = int(rv_text) if rv_text.isdigit() and int(rv_text) > 0 and not initial else None
        timeout = float(q.get("timeoutSeconds") or self.cluster.config.watch_timeout)
        spec = WatchSpec(
            query=query,
            start_rv=start,
            bookmarks=q.get("allowWatchBookmarks") == "true",
            timeout=timeout,
            initial_events=initial,
            representation=negotiate(request.headers.get("accept")),
            include=q.get("includeObject", "Metadata"),
            call=call,
        )
        session = WatchSession(spec, self.cluster, self.faults, self.watches.stopping)
        self.watches.add(session)
        return HttpResponse(200, stream=session)

    def _delete(
        self, verb: str, request: HttpRequest, *, target: Target, audit: Audit
    ) -> HttpResponse:
        options = parse_options(request.body, request.query)
        if verb == "delete":
            status, body = delete_one(
                self.cluster, target, options=options, identity=audit.identity
            )
            audit.rv_after = body.get("metadata", {}).get("resourceVersion", "")
            return _json(status, body)
        query = self._list_query(request, target)
        return _json(
            200, delete_collection(self.cluster, query, options=options, identity=audit.identity)
        )

    def _record(
        self, request: HttpRequest, audit: Audit, *, response: HttpResponse, started: float
    ) -> None:
        self.journal.record(
            Record(
                seq=0,
                time=started,
                identity=audit.identity,
                verb=audit.verb,
                method=request.method,
                path=request.path,
                query=request.raw_query,
                group=audit.group,
                version=audit.version,
                resource=audit.resource,
                subresource=audit.subresource,
                namespace=audit.namespace,
                name=audit.name,
                content_type=request.headers.get("content-type", ""),
                field_manager=audit.field_manager,
                user_agent=request.headers.get("user-agent", ""),
                body=request.body,
                status=None if response.drop else response.status,
                rv_before=audit.rv_before,
                rv_after=audit.rv_after,
                fault=audit.fault,
                dry_run=audit.dry_run,
            )
        )


def _decode_body(request: HttpRequest) -> Any:
    content_type = request.headers.get("content-type", "application/json").split(";")[0].strip()
    try:
        if content_type in ("application/yaml", "application/x-yaml", "text/yaml"):
            return yaml.safe_load(request.body.decode())
        if content_type in ("application/json", ""):
            return json.loads(request.body or b"null")
        if content_type == "application/vnd.kubernetes.protobuf":
            return protobuf.decode(request.body)
    except (ValueError, yaml.YAMLError) as exc:
        raise errors.bad_request(f"error decoding body: {exc}") from exc
    raise errors.unsupported_media_type(["application/json", "application/yaml"])
