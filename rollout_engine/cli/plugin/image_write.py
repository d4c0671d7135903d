"""``set image``'s I/O: read the Rollout and its Deployment, write the guarded JSON patch."""

from __future__ import annotations

from rollout_engine.cli.plugin.fetch import DEPLOYMENT, read_rollout
from rollout_engine.cli.plugin.images import ImageRequest, image_changes, image_patch
from rollout_engine.cli.plugin.session import Session
from rollout_engine.cli.plugin.views import ImageChangeResult

__all__ = ["describe", "set_images"]


def set_images(session: Session, *, name: str, requests: list[ImageRequest]) -> ImageChangeResult:
    """Change the images of rollout `name`'s workload; nothing is written when none changes.

    Raises:
        UnknownContainer: a named container is not in the pod template.
        KubeError: the Rollout or Deployment cannot be read, or the patch is refused.
    """
    rollout = read_rollout(session, name).rollout
    deployment_name = rollout.spec.workload_ref.name
    deployment = session.objects.get(DEPLOYMENT, name=deployment_name, namespace=session.namespace)
    changes = image_changes(deployment, requests)
    if changes:
        session.objects.patch(
            DEPLOYMENT,
            name=deployment_name,
            namespace=session.namespace,
            patch=image_patch(changes),
            patch_type="json",
        )
    return ImageChangeResult(
        rollout=name,
        namespace=session.namespace,
        deployment=deployment_name,
        result="written" if changes else "unchanged",
        changes=[change for _, _, change in changes],
    )


def describe(result: ImageChangeResult) -> list[str]:
    """The human lines: one per changed container, then what happens next."""
    where = f"deployment {result.namespace}/{result.deployment}"
    if not result.changes:
        return [f"{where}: images unchanged"]
    lines = [f"{where}: {c.container} {c.previous} → {c.image}" for c in result.changes]
    return [*lines, f"  rollout {result.rollout} starts rolling out the new revision"]
