"""The address a request really comes from, for throttling per client, believing only trusted proxies.

Why: the identity check of a web link and the login are throttled per client address. Served directly,
the TCP peer is the client, and an X-Forwarded-For header is whatever the client typed: believing it
lets an attacker name a new address on every try and never be throttled. Behind a reverse proxy the
peer is the proxy: every client would share one count, and one attacker would lock everybody out.

So X-Forwarded-For is read only when the peer is a configured proxy (`HUIFANG_TRUSTED_PROXIES`, none by
default; `huifang serve` trusts its own local nginx), and then from the right: each trusted proxy
appends the address it saw, so the right-most address that is not a trusted proxy is the first one no
trusted party vouches for, the client (anything left of it may be forged). When every hop is trusted,
the left-most is taken.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
#: the local nginx `huifang serve` starts in front of its app servers
LOCAL_PROXY = "127.0.0.1, ::1"


def parse_trusted(text: str) -> list[Network]:
    """The trusted proxies of a comma- or space-separated list of addresses and networks; ValueError
    naming the first entry that is neither."""
    networks = []
    for entry in text.replace(",", " ").split():
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(
                f"HUIFANG_TRUSTED_PROXIES: {entry!r} is not an IP address or network "
                "(give e.g. 127.0.0.1, 10.0.0.0/8)"
            ) from None
    return networks


def _address(hop: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An X-Forwarded-For entry as an address (a port or IPv6 brackets dropped); None if it is none."""
    hop = hop.strip().strip('"')
    if hop.startswith("["):
        hop = hop[1 : hop.find("]")] if "]" in hop else hop
    elif hop.count(":") == 1:
        hop = hop.split(":")[0]
    try:
        return ipaddress.ip_address(hop)
    except ValueError:
        return None


def is_trusted(address: str, trusted: Sequence[Network]) -> bool:
    found = _address(address)
    return found is not None and any(found in network for network in trusted)


def client_address(peer: str, forwarded_for: Iterable[str], trusted: Sequence[Network]) -> str:
    """The client's address: `peer` unless it is a trusted proxy; then the right-most X-Forwarded-For
    entry that is not (each value of the header, in order, may hold several comma-separated entries)."""
    if not is_trusted(peer, trusted):
        return peer
    hops = [hop.strip() for value in forwarded_for for hop in value.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not is_trusted(hop, trusted):
            address = _address(hop)
            return str(address) if address is not None else hop
    return str(_address(hops[0])) if hops else peer
