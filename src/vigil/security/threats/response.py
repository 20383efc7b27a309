"""Suggested responses to threats: deny lists for nginx, iptables and a Kubernetes
NetworkPolicy. Vigil only prints them; applying one is the operator's decision."""

from __future__ import annotations

import ipaddress

import yaml

from vigil.core.severity import priority_rank
from vigil.core.types import Priority
from vigil.security.threats.model import Threat

FORMATS = ("nginx", "iptables", "k8s")


def offending_ips(threats: list[Threat]) -> list[str]:
    """Distinct source addresses of the threats that are real IPs (hostnames skipped)."""
    seen: dict[str, None] = {}
    for t in threats:
        try:
            ipaddress.ip_address(t.source_ip)
        except ValueError:
            continue
        seen.setdefault(t.source_ip, None)
    return list(seen)


def _hostnames(threats: list[Threat]) -> list[str]:
    """Sources that are names, not addresses (sshd with UseDNS): left out of deny lists."""
    ips = set(offending_ips(threats))
    return list(dict.fromkeys(t.source_ip for t in threats
                              if t.source_ip not in ips and t.source_ip[:1] not in ("", "(")))


def suggest(threats: list[Threat], fmt: str, namespace: str = "default",
            app_label: str = "vigil") -> str:
    """A deny list in the given format (`nginx`, `iptables` or `k8s`)."""
    ips = offending_ips(threats)
    names = _hostnames(threats)
    skipped = [f"# not included, resolve before blocking: {', '.join(names)}"] if names else []
    if fmt == "nginx":
        lines = ["# Vigil suggested deny list (include in an http/server block)", *skipped]
        lines += [f"deny {ip};" for ip in ips]
        return "\n".join(lines) + "\n"
    if fmt == "iptables":
        lines = ["# Vigil suggested rules; review before running", *skipped]
        for ip in ips:
            tool = "ip6tables" if ":" in ip else "iptables"
            lines.append(f"{tool} -I INPUT -s {ip} -j DROP")
        return "\n".join(lines) + "\n"
    if fmt == "k8s":
        except_v4 = [f"{ip}/32" for ip in ips if ":" not in ip]
        except_v6 = [f"{ip}/128" for ip in ips if ":" in ip]
        ingress_from = [{"ipBlock": {"cidr": "0.0.0.0/0", "except": except_v4}}]
        if except_v6:
            ingress_from.append({"ipBlock": {"cidr": "::/0", "except": except_v6}})
        policy = {
            "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": "vigil-threat-denylist", "namespace": namespace,
                         "labels": {"app.kubernetes.io/managed-by": "vigil"}},
            "spec": {"podSelector": {"matchLabels": {"app": app_label}},
                     "policyTypes": ["Ingress"], "ingress": [{"from": ingress_from}]},
        }
        header = ("# Vigil suggested NetworkPolicy; review before applying.\n"
                  f"# Set metadata.namespace and spec.podSelector to the attacked workload "
                  f"(here: {namespace}, app={app_label}).\n"
                  "# Policies only ever allow: these sources stay blocked only if no other\n"
                  "# policy selecting the same pods allows them.\n"
                  + "".join(line + "\n" for line in skipped))
        return header + str(yaml.safe_dump(policy, sort_keys=False))
    raise ValueError(f"unknown response format {fmt!r}; use one of {', '.join(FORMATS)}")


def merge_nginx_denylist(existing: str, threats: list[Threat], min_priority: Priority) -> str:
    """The nginx deny file with the sources of threats at or above `min_priority` added.

    Entries already in the file are kept (also those an operator wrote by hand).
    """
    urgent = [t for t in threats if priority_rank(t.priority) <= priority_rank(min_priority)]
    lines = existing.splitlines()
    present = {ln.strip() for ln in lines}
    if not lines:
        lines = ["# Managed by Vigil (threats.response); entries are only ever added"]
    for ip in offending_ips(urgent):
        entry = f"deny {ip};"
        if entry not in present:
            lines.append(entry)
            present.add(entry)
    return "\n".join(lines) + "\n"
