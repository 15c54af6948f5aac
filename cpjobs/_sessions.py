"""aiobotocore sessions that share one loader: service models parse once.

Each session keeps its own credentials (their refresh lock belongs to the
event loop that first waits on it), but parsing a service model costs more
than the request it serves: the loader with the parsed models is shared by
every session made here, for the life of the process.
"""

from __future__ import annotations

import functools

from aiobotocore.session import AioSession

__all__ = ["session_sharing_models"]


def session_sharing_models() -> AioSession:
    """A new session whose loader is the process's shared one."""
    session = AioSession()
    session.register_component("data_loader", _shared_loader())
    return session


@functools.cache
def _shared_loader() -> object:
    return AioSession().get_component("data_loader")
