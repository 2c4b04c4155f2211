"""sshd, PAM and logind message sequences as OpenSSH 9 on Debian writes them.

Both benign logins and attack campaigns use these, so the two are written in
exactly the same format and differ only in behaviour.

.. versionadded:: 0.1
"""

from __future__ import annotations

import base64
import hashlib

from sentinel.scenarios.catalog import LOCAL_UIDS
from sentinel.scenarios.context import Context

__all__ = ["accepted", "failed_connection", "key_fingerprint", "probe_close"]

_PAM_FAILURE = "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= "
_PAM_MORE = "more authentication failures; logname= uid=0 euid=0 tty=ssh ruser="


def key_fingerprint(user: str) -> str:
    """A stable ``ED25519 SHA256:...`` key fingerprint for a user.

    Args:
        user: Account name.

    Returns:
        The fingerprint text sshd prints after ``ssh2:``.
    """
    digest = hashlib.sha256(f"key:{user}".encode()).digest()
    return "ED25519 SHA256:" + base64.b64encode(digest).decode().rstrip("=")


def _who(user: str) -> str:
    return f"{user}" if user in LOCAL_UIDS else f"invalid user {user}"


def failed_connection(
    ctx: Context,
    ts: float,
    ip: str,
    user: str,
    attempts: int,
    *,
    tag: str = "",
    invalid_only: bool = False,
) -> float:
    """One connection with ``attempts`` failed passwords for ``user``.

    Unknown accounts (not in :data:`~sentinel.scenarios.catalog.LOCAL_UIDS`)
    get the ``Invalid user`` lines.  Six attempts hit ``MaxAuthTries``.

    Args:
        ctx: Run context.
        ts: Connection time.
        ip: Client address, or the host name sshd logs for it (``UseDNS yes``).
        user: Account tried.
        attempts: Password attempts in this connection (0 = probe the name only).
        tag: Campaign id.
        invalid_only: Leave after ``Invalid user`` without a password attempt.

    Returns:
        Time of the last line written.
    """
    tl, rng = ctx.timeline, ctx.rng
    pid, port = ctx.pid(), ctx.port()
    valid = user in LOCAL_UIDS
    if not valid:
        tl.auth(ts, "sshd", pid, f"Invalid user {user} from {ip} port {port}", tag=tag)
    if invalid_only:
        attempts = 0
    for n in range(attempts):
        ts += rng.uniform(1.5, 3.5)
        if n == 0:
            if valid:
                pam = f"rhost={ip}  user={user}"
            else:
                tl.auth(ts, "sshd", pid, "pam_unix(sshd:auth): check pass; user unknown", tag=tag)
                pam = f"rhost={ip}"
            tl.auth(
                ts,
                "sshd",
                pid,
                _PAM_FAILURE + pam,
                tag=tag,
            )
        ts += rng.uniform(0.5, 2.0)
        tl.auth(
            ts, "sshd", pid, f"Failed password for {_who(user)} from {ip} port {port} ssh2", tag=tag
        )
    ts += rng.uniform(0.1, 1.0)
    state = "authenticating user" if valid else "invalid user"
    if attempts >= 6:
        tl.auth(
            ts,
            "sshd",
            pid,
            "error: maximum authentication attempts exceeded for "
            f"{_who(user)} from {ip} port {port} ssh2 [preauth]",
            tag=tag,
        )
        tl.auth(
            ts,
            "sshd",
            pid,
            f"Disconnecting {state} {user} {ip} port {port}: "
            "Too many authentication failures [preauth]",
            tag=tag,
        )
    elif rng.random() < 0.5:
        tl.auth(
            ts,
            "sshd",
            pid,
            f"Connection closed by {state} {user} {ip} port {port} [preauth]",
            tag=tag,
        )
    else:
        tl.auth(
            ts,
            "sshd",
            pid,
            f"Received disconnect from {ip} port {port}:11: Bye Bye [preauth]",
            tag=tag,
        )
        tl.auth(
            ts, "sshd", pid, f"Disconnected from {state} {user} {ip} port {port} [preauth]", tag=tag
        )
    if attempts > 1:
        pam = f"rhost={ip}  user={user}" if valid else f"rhost={ip}"
        tl.auth(
            ts,
            "sshd",
            pid,
            f"PAM {attempts - 1} {_PAM_MORE} {pam}",
            tag=tag,
        )
    return ts


def accepted(
    ctx: Context,
    ts: float,
    ip: str,
    user: str,
    method: str,
    *,
    typos: int = 0,
    duration: float = 600.0,
    tag: str = "",
    evidence: bool = False,
) -> float:
    """A successful login (after ``typos`` failed passwords), its session and logout.

    Args:
        ctx: Run context.
        ts: Connection time.
        ip: Client address, or the host name sshd logs for it (``UseDNS yes``).
        user: Account (must exist).
        method: ``password`` or ``publickey``.
        typos: Failed passwords before the right one, same connection.
        duration: Session length in seconds.
        tag: Campaign id.
        evidence: Mark the ``Accepted`` line as success evidence.

    Returns:
        Time of the ``Accepted`` line.
    """
    tl, rng = ctx.timeline, ctx.rng
    pid, port, uid = ctx.pid(), ctx.port(), LOCAL_UIDS[user]
    for n in range(typos):
        ts += rng.uniform(2.0, 8.0)
        if n == 0:
            tl.auth(
                ts,
                "sshd",
                pid,
                _PAM_FAILURE + f"rhost={ip}  user={user}",
                tag=tag,
            )
        ts += rng.uniform(0.5, 2.0)
        tl.auth(ts, "sshd", pid, f"Failed password for {user} from {ip} port {port} ssh2", tag=tag)
    ts += rng.uniform(0.2, 4.0)
    suffix = f": {key_fingerprint(user)}" if method == "publickey" else ""
    tl.auth(
        ts,
        "sshd",
        pid,
        f"Accepted {method} for {user} from {ip} port {port} ssh2{suffix}",
        tag=tag,
        evidence=evidence,
    )
    accepted_at = ts
    tl.auth(
        ts,
        "sshd",
        pid,
        f"pam_unix(sshd:session): session opened for user {user}(uid={uid}) by (uid=0)",
        tag=tag,
    )
    session = ctx.session_id()
    tl.auth(ts + 0.02, "systemd-logind", 612, f"New session {session} of user {user}.", tag=tag)
    ts += duration
    tl.auth(
        ts,
        "sshd",
        pid,
        f"Received disconnect from {ip} port {port}:11: disconnected by user",
        tag=tag,
    )
    tl.auth(ts, "sshd", pid, f"Disconnected from user {user} {ip} port {port}", tag=tag)
    tl.auth(ts, "sshd", pid, f"pam_unix(sshd:session): session closed for user {user}", tag=tag)
    tl.auth(
        ts + 0.01,
        "systemd-logind",
        612,
        f"Session {session} logged out. Waiting for processes to exit.",
        tag=tag,
    )
    tl.auth(ts + 0.02, "systemd-logind", 612, f"Removed session {session}.", tag=tag)
    return accepted_at


def probe_close(ctx: Context, ts: float, ip: str) -> None:
    """A TCP health check that reads the banner and hangs up.

    Args:
        ctx: Run context.
        ts: Time of the check.
        ip: Checker address.
    """
    ctx.timeline.auth(
        ts, "sshd", ctx.pid(), f"Connection closed by {ip} port {ctx.port()} [preauth]"
    )
