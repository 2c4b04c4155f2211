"""sudo, su and cron message sequences as Debian writes them to auth.log.

.. versionadded:: 0.1
"""

from __future__ import annotations

from sentinel.scenarios.catalog import LOCAL_UIDS
from sentinel.scenarios.context import Context

__all__ = ["cron_job", "su_root", "sudo_command", "sudo_denied", "sudo_not_allowed"]


def _pam_failure(user: str, tty: str, service: str, target: str) -> str:
    uid = LOCAL_UIDS[user]
    return (
        f"pam_unix({service}:auth): authentication failure; logname={user} uid={uid} euid=0 "
        f"tty=/dev/{tty} ruser={user} rhost=  user={target}"
    )


def sudo_command(
    ctx: Context,
    ts: float,
    user: str,
    command: str,
    *,
    tty: str = "pts/0",
    cwd: str | None = None,
    typos: int = 0,
    tag: str = "",
    evidence: bool = False,
) -> float:
    """A sudo to root that succeeds (after ``typos`` wrong passwords).

    Args:
        ctx: Run context.
        ts: Time of the first line.
        user: Invoking user.
        command: Full command path and arguments.
        tty: Terminal, or ``unknown`` for non-interactive use.
        cwd: Working directory (home by default).
        typos: Wrong passwords first.
        tag: Campaign id.
        evidence: Mark the command line as success evidence.

    Returns:
        Time of the last line.
    """
    tl, rng = ctx.timeline, ctx.rng
    cwd = cwd or f"/home/{user}"
    if typos:
        tl.auth(ts, "sudo", None, _pam_failure(user, tty, "sudo", user), tag=tag)
        ts += rng.uniform(3.0, 9.0) * typos
    tl.auth(
        ts,
        "sudo",
        None,
        f"{user:>8} : TTY={tty} ; PWD={cwd} ; USER=root ; COMMAND={command}",
        tag=tag,
        evidence=evidence,
    )
    uid = LOCAL_UIDS[user]
    tl.auth(
        ts,
        "sudo",
        None,
        f"pam_unix(sudo:session): session opened for user root(uid=0) by {user}(uid={uid})",
        tag=tag,
    )
    ts += rng.uniform(0.5, 40.0)
    tl.auth(ts, "sudo", None, "pam_unix(sudo:session): session closed for user root", tag=tag)
    return ts


def sudo_denied(
    ctx: Context, ts: float, user: str, command: str, *, tty: str = "pts/1", tag: str = ""
) -> float:
    """Three wrong sudo passwords, as sudo logs them.

    Args:
        ctx: Run context.
        ts: Time of the first line.
        user: Invoking user.
        command: Command that was refused.
        tty: Terminal.
        tag: Campaign id.

    Returns:
        Time of the last line.
    """
    tl = ctx.timeline
    tl.auth(ts, "sudo", None, _pam_failure(user, tty, "sudo", user), tag=tag)
    ts += ctx.rng.uniform(8.0, 20.0)
    tl.auth(
        ts,
        "sudo",
        None,
        f"{user:>8} : 3 incorrect password attempts ; TTY={tty} ; PWD=/home/{user} ; "
        f"USER=root ; COMMAND={command}",
        tag=tag,
    )
    return ts


def sudo_not_allowed(
    ctx: Context, ts: float, user: str, command: str, pwd: str, *, tag: str = ""
) -> None:
    """A sudo by an account that is not in sudoers.

    Args:
        ctx: Run context.
        ts: Time of the line.
        user: Invoking user.
        command: Command that was refused.
        pwd: Working directory.
        tag: Campaign id.
    """
    ctx.timeline.auth(
        ts,
        "sudo",
        None,
        f"{user:>8} : user NOT in sudoers ; TTY=unknown ; PWD={pwd} ; USER=root ; "
        f"COMMAND={command}",
        tag=tag,
    )


def su_root(ctx: Context, ts: float, user: str, *, fail: bool = False, tag: str = "") -> float:
    """``su -`` to root by a user, successful or not.

    Args:
        ctx: Run context.
        ts: Time of the first line.
        user: Invoking user.
        fail: Wrong password.
        tag: Campaign id.

    Returns:
        Time of the last line.
    """
    tl, pid = ctx.timeline, ctx.pid()
    if fail:
        tl.auth(ts, "su", pid, _pam_failure(user, "pts/0", "su-l", "root"), tag=tag)
        tl.auth(ts + 2.5, "su", pid, f"FAILED SU (to root) {user} on pts/0", tag=tag)
        return ts + 2.5
    uid = LOCAL_UIDS[user]
    tl.auth(ts, "su", pid, f"(to root) {user} on pts/0", tag=tag)
    tl.auth(
        ts,
        "su",
        pid,
        f"pam_unix(su-l:session): session opened for user root(uid=0) by {user}(uid={uid})",
        tag=tag,
    )
    ts += ctx.rng.uniform(20.0, 600.0)
    tl.auth(ts, "su", pid, "pam_unix(su-l:session): session closed for user root", tag=tag)
    return ts


def cron_job(ctx: Context, ts: float, user: str = "root") -> None:
    """One cron job run: the PAM session open and close lines.

    Args:
        ctx: Run context.
        ts: Start of the job.
        user: Account the job runs as.
    """
    tl, pid, uid = ctx.timeline, ctx.pid(), LOCAL_UIDS[user]
    tl.auth(
        ts,
        "CRON",
        pid,
        f"pam_unix(cron:session): session opened for user {user}(uid={uid}) by (uid=0)",
    )
    tl.auth(
        ts + ctx.rng.uniform(0.05, 2.0),
        "CRON",
        pid,
        f"pam_unix(cron:session): session closed for user {user}",
    )
