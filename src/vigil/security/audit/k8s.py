"""Kubernetes manifest checks in the spirit of kube-score, Polaris, Checkov and Trivy.

Manifests are YAML (multi-document, `List` kinds expanded). Every workload kind's
pod template is checked, init containers included; cross-resource checks cover
PodDisruptionBudgets and NetworkPolicy coverage.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import yaml

from vigil.core.types import Severity
from vigil.security.audit.findings import ComplianceFinding

C, W, INFO = Severity.CRITICAL, Severity.WARNING, Severity.INFO

CHECKS: dict[str, tuple[Severity, str]] = {
    "K8S001": (C, "container runs privileged"),
    "K8S002": (W, "allowPrivilegeEscalation is not set to false"),
    "K8S003": (W, "runAsNonRoot is not true (or runAsUser is 0)"),
    "K8S004": (W, "readOnlyRootFilesystem is not true"),
    "K8S005": (W, "capabilities are not dropped (drop: [ALL])"),
    "K8S006": (C, "dangerous capability added"),
    "K8S007": (C, "pod shares the host network namespace (hostNetwork)"),
    "K8S008": (C, "pod shares the host PID namespace (hostPID)"),
    "K8S009": (C, "pod shares the host IPC namespace (hostIPC)"),
    "K8S010": (W, "hostPath volume mounted"),
    "K8S011": (C, "container runtime socket mounted (docker.sock / containerd.sock)"),
    "K8S012": (W, "hostPort used"),
    "K8S013": (W, "resource requests missing (cpu, memory)"),
    "K8S014": (W, "resource limits missing (cpu, memory)"),
    "K8S015": (W, "image tag is latest or missing"),
    "K8S016": (W, "liveness probe missing"),
    "K8S017": (W, "readiness probe missing"),
    "K8S018": (W, "seccomp profile is not RuntimeDefault (or Localhost)"),
    "K8S019": (W, "service account token is mounted automatically"),
    "K8S020": (INFO, "resource is in the default namespace"),
    "K8S021": (W, "Deployment has fewer than 2 replicas"),
    "K8S022": (W, "no PodDisruptionBudget selects the pods"),
    "K8S023": (W, "no NetworkPolicy selects the pods"),
    "K8S000": (W, "manifest cannot be parsed"),
}
DANGEROUS_CAPS = {"ALL", "SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE", "SYS_MODULE", "SYS_RAWIO",
                  "DAC_READ_SEARCH", "BPF", "PERFMON", "SYS_BOOT", "SYS_TIME", "NET_RAW",
                  "MAC_ADMIN", "MAC_OVERRIDE", "SETFCAP"}
_SOCKETS = ("docker.sock", "containerd.sock", "crio.sock", "cri-dockerd.sock")
_CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "PersistentVolume",
                   "StorageClass", "CustomResourceDefinition", "PriorityClass", "Node",
                   "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
                   "IngressClass", "RuntimeClass"}
_LONG_RUNNING = {"Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet",
                 "ReplicationController"}


@dataclass(frozen=True, slots=True)
class Manifest:
    """One Kubernetes object with where it came from."""

    obj: dict[str, Any]
    file: str
    line: int

    @property
    def kind(self) -> str:
        """The object's kind."""
        return str(self.obj.get("kind", ""))

    @property
    def name(self) -> str:
        """metadata.name."""
        return str((self.obj.get("metadata") or {}).get("name", "?"))

    @property
    def namespace(self) -> str:
        """metadata.namespace ("" when unset)."""
        return str((self.obj.get("metadata") or {}).get("namespace") or "")

    @property
    def ref(self) -> str:
        """Kind/namespace/name, the resource path used in findings."""
        return f"{self.kind}/{self.namespace or 'default'}/{self.name}"


def load_manifests(
        sources: Iterable[tuple[str, str]]) -> tuple[list[Manifest], list[ComplianceFinding]]:
    """Parse (file name, YAML text) pairs; unparseable documents become K8S000 findings."""
    out: list[Manifest] = []
    errors: list[ComplianceFinding] = []
    for file, text in sources:
        try:
            nodes = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
            loader_docs = list(yaml.safe_load_all(text))
        except yaml.YAMLError as exc:  # syntax, or a tag a safe loader cannot build (!vault)
            mark = getattr(exc, "problem_mark", None)
            errors.append(ComplianceFinding(
                "K8S000", W, f"invalid YAML: {getattr(exc, 'problem', exc)}",
                file, "", file, mark.line + 1 if mark else None))
            continue
        for node, doc in zip(nodes, loader_docs, strict=False):
            line = node.start_mark.line + 1 if node is not None else 1
            for obj in _expand(doc):
                out.append(Manifest(obj, file, line))
    return out, errors


def _expand(doc: Any) -> list[dict[str, Any]]:
    if not isinstance(doc, dict) or not isinstance(doc.get("kind"), str):
        return []
    if str(doc.get("apiVersion", "")).startswith("kustomize.config.k8s.io"):
        return []  # kustomization.yaml: build instructions, not a cluster object
    if doc["kind"].endswith("List") and isinstance(doc.get("items"), list):
        return [i for i in doc["items"] if isinstance(i, dict) and isinstance(i.get("kind"), str)]
    return [doc]


def pod_template(obj: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], str] | None:
    """(pod spec, pod labels, spec path) of a workload, or None for other kinds."""
    kind = obj.get("kind")
    spec = obj.get("spec") or {}
    if kind == "Pod":
        return spec, (obj.get("metadata") or {}).get("labels") or {}, "spec"
    if kind in {"Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet",
                "ReplicationController"}:
        tpl = spec.get("template") or {}
        return (tpl.get("spec") or {}, (tpl.get("metadata") or {}).get("labels") or {},
                "spec.template.spec")
    if kind == "CronJob":
        tpl = ((spec.get("jobTemplate") or {}).get("spec") or {}).get("template") or {}
        return (tpl.get("spec") or {}, (tpl.get("metadata") or {}).get("labels") or {},
                "spec.jobTemplate.spec.template.spec")
    return None


def audit_manifests(manifests: list[Manifest]) -> list[ComplianceFinding]:
    """Run every check on every workload; cross-resource checks use the whole set."""
    findings: list[ComplianceFinding] = []
    pdbs = [m for m in manifests if m.kind == "PodDisruptionBudget"]
    policies = [m for m in manifests if m.kind == "NetworkPolicy"]
    hpas = [m for m in manifests if m.kind == "HorizontalPodAutoscaler"]
    # Service accounts that opt out of token mounting: their pods inherit it.
    no_token: set[tuple[str, str]] = set()
    for m in manifests:
        if m.kind == "ServiceAccount" and m.obj.get("automountServiceAccountToken") is False:
            try:
                no_token.add((m.namespace or "default", m.name))
            except AttributeError:  # metadata is not a map
                continue
    for m in manifests:
        try:
            findings.extend(_manifest_checks(m, pdbs, policies, hpas, no_token))
        except (AttributeError, TypeError, ValueError) as exc:  # a list where a map belongs
            findings.append(ComplianceFinding(
                "K8S000", W, f"manifest is not a well-formed {m.kind}: {exc}", _safe_ref(m), "",
                m.file, m.line))
    return findings


def _hpa_min(m: Manifest, hpas: list[Manifest]) -> int:
    """minReplicas of an HPA scaling `m` (its replicas left unset, as HPAs want), else 1."""
    for h in hpas:
        spec = h.obj.get("spec") or {}
        target = spec.get("scaleTargetRef") or {}
        if _same_ns(h, m) and target.get("kind") == m.kind and target.get("name") == m.name:
            value = spec.get("minReplicas", 1)
            return value if isinstance(value, int) else 1
    return 1


def _safe_ref(m: Manifest) -> str:
    try:
        return m.ref
    except AttributeError:  # metadata is not a map
        return f"{m.kind}/?/?"


def _manifest_checks(m: Manifest, pdbs: list[Manifest], policies: list[Manifest],
                     hpas: list[Manifest],
                     no_token: set[tuple[str, str]]) -> list[ComplianceFinding]:
    findings: list[ComplianceFinding] = []
    if m.kind not in _CLUSTER_SCOPED and (m.namespace or "default") == "default":
        findings.append(_f(m, "K8S020", "metadata.namespace"))
    tpl = pod_template(m.obj)
    if tpl is None:
        return findings
    spec, labels, base = tpl
    findings.extend(_pod_checks(m, spec, base, no_token))
    if m.kind == "Deployment":
        replicas = (m.obj.get("spec") or {}).get("replicas", _hpa_min(m, hpas))
        if isinstance(replicas, int) and replicas < 2:
            findings.append(_f(m, "K8S021", "spec.replicas", f"replicas is {replicas}"))
    if m.kind in {"Deployment", "StatefulSet"} and not any(
            _same_ns(p, m) and _selects((p.obj.get("spec") or {}).get("selector"), labels)
            for p in pdbs):
        findings.append(_f(m, "K8S022", "spec.selector"))
    if not any(_same_ns(p, m) and _selects((p.obj.get("spec") or {}).get("podSelector"),
                                           labels, empty_matches=True) for p in policies):
        labels_path = f"{base.rsplit('.spec', 1)[0]}.metadata.labels" if "." in base \
            else "metadata.labels"
        findings.append(_f(m, "K8S023", labels_path))
    return findings


def _pod_checks(m: Manifest, spec: dict[str, Any], base: str,
                no_token: set[tuple[str, str]]) -> list[ComplianceFinding]:
    out: list[ComplianceFinding] = []
    pod_sc = spec.get("securityContext") or {}
    for flag, cid in (("hostNetwork", "K8S007"), ("hostPID", "K8S008"), ("hostIPC", "K8S009")):
        if spec.get(flag) is True:
            out.append(_f(m, cid, f"{base}.{flag}"))
    for i, vol in enumerate(spec.get("volumes") or []):
        host = (vol or {}).get("hostPath")
        if host:
            path = str(host.get("path", ""))
            cid = "K8S011" if any(path.rstrip("/").endswith(s) for s in _SOCKETS) else "K8S010"
            out.append(_f(m, cid, f"{base}.volumes[{i}].hostPath", f"hostPath {path}"))
    account = str(spec.get("serviceAccountName") or spec.get("serviceAccount") or "default")
    mount = spec.get("automountServiceAccountToken")
    if mount is True or (mount is None and (m.namespace or "default", account) not in no_token):
        out.append(_f(m, "K8S019", f"{base}.automountServiceAccountToken"))
    long_running = m.kind in _LONG_RUNNING
    for group in ("initContainers", "containers"):
        for i, c in enumerate(spec.get(group) or []):
            if not isinstance(c, dict):
                continue
            where = f"{base}.{group}[{i}]"
            label = f"{'init container' if group == 'initContainers' else 'container'} " \
                    f"{c.get('name', i)}"
            out.extend(_container_checks(m, c, pod_sc, where, label,
                                         probes=long_running and group == "containers"))
    return out


def _container_checks(m: Manifest, c: dict[str, Any], pod_sc: dict[str, Any], where: str,
                      label: str, probes: bool) -> list[ComplianceFinding]:
    out: list[ComplianceFinding] = []
    sc = c.get("securityContext") or {}
    scp = f"{where}.securityContext"
    if sc.get("privileged") is True:
        out.append(_f(m, "K8S001", f"{scp}.privileged", label))
    if sc.get("allowPrivilegeEscalation") is not False:
        out.append(_f(m, "K8S002", f"{scp}.allowPrivilegeEscalation", label))
    non_root = sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot"))
    user = sc.get("runAsUser", pod_sc.get("runAsUser"))
    if non_root is not True or user == 0:
        out.append(_f(m, "K8S003", f"{scp}.runAsNonRoot", label))
    if sc.get("readOnlyRootFilesystem") is not True:
        out.append(_f(m, "K8S004", f"{scp}.readOnlyRootFilesystem", label))
    caps = sc.get("capabilities") or {}
    drops = {str(x).upper() for x in caps.get("drop") or []}
    if "ALL" not in drops:
        out.append(_f(m, "K8S005", f"{scp}.capabilities.drop", label))
    added = {str(x).upper().removeprefix("CAP_") for x in caps.get("add") or []}
    bad = sorted(added & DANGEROUS_CAPS)
    if bad:
        out.append(_f(m, "K8S006", f"{scp}.capabilities.add", f"{label}: {', '.join(bad)}"))
    for j, port in enumerate(c.get("ports") or []):
        if isinstance(port, dict) and port.get("hostPort"):
            out.append(_f(m, "K8S012", f"{where}.ports[{j}].hostPort",
                          f"{label}: hostPort {port['hostPort']}"))
    res = c.get("resources") or {}
    missing_req = [k for k in ("cpu", "memory") if k not in (res.get("requests") or {})]
    if missing_req:
        out.append(_f(m, "K8S013", f"{where}.resources.requests",
                      f"{label}: {', '.join(missing_req)}"))
    missing_lim = [k for k in ("cpu", "memory") if k not in (res.get("limits") or {})]
    if missing_lim:
        out.append(_f(m, "K8S014", f"{where}.resources.limits",
                      f"{label}: {', '.join(missing_lim)}"))
    image = str(c.get("image", ""))
    if _bad_tag(image):
        out.append(_f(m, "K8S015", f"{where}.image", f"{label}: image {image or '(none)'}"))
    if probes:
        if not c.get("livenessProbe"):
            out.append(_f(m, "K8S016", f"{where}.livenessProbe", label))
        if not c.get("readinessProbe"):
            out.append(_f(m, "K8S017", f"{where}.readinessProbe", label))
    seccomp = (sc.get("seccompProfile") or pod_sc.get("seccompProfile") or {}).get("type")
    if seccomp not in ("RuntimeDefault", "Localhost"):
        out.append(_f(m, "K8S018", f"{scp}.seccompProfile.type", label))
    return out


def _bad_tag(image: str) -> bool:
    if not image:
        return True
    if "@sha256:" in image:
        return False
    last = image.rsplit("/", 1)[-1]
    if ":" not in last:
        return True
    return last.rsplit(":", 1)[1] in ("latest", "")


def _same_ns(a: Manifest, b: Manifest) -> bool:
    return (a.namespace or "default") == (b.namespace or "default")


def _selects(selector: Any, labels: dict[str, Any], empty_matches: bool = False) -> bool:
    """Kubernetes label-selector semantics (matchLabels and matchExpressions)."""
    if not isinstance(selector, dict):
        return False
    match = selector.get("matchLabels") or {}
    exprs = selector.get("matchExpressions") or []
    if not match and not exprs:
        return empty_matches
    if any(str(labels.get(k)) != str(v) for k, v in match.items()):
        return False
    for e in exprs:
        key, op, values = e.get("key"), e.get("operator"), [str(v) for v in e.get("values") or []]
        present = key in labels
        if (op == "In" and not (present and str(labels[key]) in values)) or \
                (op == "NotIn" and present and str(labels[key]) in values) or \
                (op == "Exists" and not present) or (op == "DoesNotExist" and present):
            return False
    return True


def _f(m: Manifest, cid: str, path: str, detail: str = "") -> ComplianceFinding:
    severity, text = CHECKS[cid]
    return ComplianceFinding(cid, severity, f"{text}: {detail}" if detail else text, m.ref, path,
                   m.file, m.line)
