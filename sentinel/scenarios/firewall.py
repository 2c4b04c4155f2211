"""UFW ``[UFW BLOCK]`` kernel lines.

.. versionadded:: 0.1
"""

from __future__ import annotations

from sentinel.scenarios.context import SERVER_IP, SERVER_MAC, Context

__all__ = ["ufw_block"]


def ufw_block(
    ctx: Context,
    ts: float,
    src: str,
    dpt: int,
    *,
    tag: str = "",
    spt: int | None = None,
    ttl: int | None = None,
    ident: int | None = None,
    window: int | None = None,
    length: int | None = None,
) -> None:
    """A blocked inbound TCP SYN, as the kernel logs it for UFW.

    Unset header fields are drawn at random.

    Args:
        ctx: Run context.
        ts: Packet time.
        src: Source address.
        dpt: Destination port.
        tag: Campaign id.
        spt: Source port.
        ttl: IP TTL.
        ident: IP id.
        window: TCP window.
        length: IP length.
    """
    rng = ctx.rng
    ttl = ttl if ttl is not None else rng.randint(40, 120)
    ident = ident if ident is not None else rng.randint(1, 65535)
    window = window if window is not None else rng.choice((1024, 14600, 29200, 65535))
    length = length if length is not None else rng.choice((40, 44, 60))
    spt = spt if spt is not None else rng.randint(1024, 65535)
    ctx.timeline.kern(
        ts,
        f"[UFW BLOCK] IN=eth0 OUT= MAC={SERVER_MAC} SRC={src} DST={SERVER_IP} LEN={length} "
        f"TOS=0x00 PREC=0x00 TTL={ttl} ID={ident} PROTO=TCP SPT={spt} DPT={dpt} "
        f"WINDOW={window} RES=0x00 SYN URGP=0",
        tag=tag,
    )
