"""Archives built in memory: well-formed ones and the attacks on extraction."""

from __future__ import annotations

import io
import stat
import tarfile
import zipfile
from collections.abc import Iterable


def zip_of(files: dict[str, bytes], *, modes: dict[str, int] | None = None) -> bytes:
    """A zip of ``files``; ``modes`` gives Unix modes (file type included)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            mode = (modes or {}).get(name)
            if mode is not None:
                info.create_system = 3
                info.external_attr = mode << 16
            archive.writestr(info, content)
    return buffer.getvalue()


def zip_link(name: str, target: str) -> bytes:
    """A zip holding one symbolic link, as Info-ZIP stores them."""
    return zip_of({name: target.encode()}, modes={name: stat.S_IFLNK | 0o777})


def tar_of(
    members: Iterable[tarfile.TarInfo | tuple[str, bytes]], *, gz: bool = False
) -> bytes:
    """A tar (or tar.gz) of files ``(name, content)`` and prepared members."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz" if gz else "w") as archive:
        for member in members:
            if isinstance(member, tarfile.TarInfo):
                archive.addfile(member)
            else:
                name, content = member
                info = tarfile.TarInfo(name)
                info.size = len(content)
                info.mode = 0o644
                archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def tar_member(
    name: str, kind: bytes, *, linkname: str = "", mode: int = 0o644
) -> tarfile.TarInfo:
    """A tar member without data: a link, a directory or a device."""
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    info.mode = mode
    return info
