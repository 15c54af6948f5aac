"""Archives: format detection, safe extraction and packing.

Everything here blocks (file and decompression work): the artifact store runs
it with `asyncio.to_thread`.

Extraction goes into a staging directory next to the destination and is
renamed into place only when every entry passed every rule, so a refused or
corrupt archive leaves nothing behind. Each entry is checked as it comes:
its name (no absolute path, drive letter or ``..``), where it really lands
(no writing through a link to outside), its type (no devices), links by the
`LinkPolicy`, and the running totals against the `ExtractionPolicy` limits.
"""

from __future__ import annotations

import contextlib
import enum
import gzip
import os
import re
import shutil
import stat
import tarfile
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import IO, Any, Final

import attrs

from ._errors import (
    ArchiveRule,
    ArtifactError,
    ArtifactTooLarge,
    BadArchive,
    InvalidField,
    UnsafeArchive,
)

__all__ = [
    "ArchiveFormat",
    "ExtractionPolicy",
    "LinkPolicy",
    "detect_format",
    "extract_archive",
    "pack_directory",
]

_COPY_BUFFER: Final = 1 << 20
#: Below this many uncompressed bytes the compression ratio is not checked:
#: a few kilobytes of blanks compress a thousandfold and harm no one.
_RATIO_FLOOR: Final = 1 << 20
#: A symbolic link's target is a path, not content.
_MAX_LINK_TARGET: Final = 4096
_DRIVE: Final = re.compile(r"^[A-Za-z]:")


class ArchiveFormat(enum.StrEnum):
    """The archive formats artifacts come in."""

    ZIP = "zip"
    TAR = "tar"
    TAR_GZ = "tar.gz"

    @property
    def content_type(self) -> str:
        """The Content-Type an artifact of this format is uploaded with."""
        return _CONTENT_TYPE_OF[self]


_CONTENT_TYPE_OF: Final = {
    ArchiveFormat.ZIP: "application/zip",
    ArchiveFormat.TAR: "application/x-tar",
    ArchiveFormat.TAR_GZ: "application/gzip",
}
_FORMAT_OF_CONTENT_TYPE: Final = {
    "application/zip": ArchiveFormat.ZIP,
    "application/x-zip-compressed": ArchiveFormat.ZIP,
    "application/x-zip": ArchiveFormat.ZIP,
    "application/x-tar": ArchiveFormat.TAR,
    "application/tar": ArchiveFormat.TAR,
    "application/gzip": ArchiveFormat.TAR_GZ,
    "application/x-gzip": ArchiveFormat.TAR_GZ,
    "application/x-gtar": ArchiveFormat.TAR_GZ,
    "application/x-compressed-tar": ArchiveFormat.TAR_GZ,
    "application/tar+gzip": ArchiveFormat.TAR_GZ,
}

#: How many leading bytes `detect_format` needs (tar's magic is at 257).
HEAD_SIZE: Final = 512


def detect_format(head: bytes, content_type: str | None = None) -> ArchiveFormat | None:
    r"""The archive format of content starting with ``head``, or ``None``.

    The bytes decide (artifact keys carry no extension); the Content-Type
    only when the bytes do not: zip ``PK\x03\x04`` (or an empty zip's
    ``PK\x05\x06``), gzip ``\x1f\x8b`` (taken as tar.gz), ``ustar`` at
    offset 257.
    """
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return ArchiveFormat.ZIP
    if head.startswith(b"\x1f\x8b"):
        return ArchiveFormat.TAR_GZ
    if head[257:262] == b"ustar":
        return ArchiveFormat.TAR
    if content_type is None:
        return None
    return _FORMAT_OF_CONTENT_TYPE.get(content_type.split(";")[0].strip().lower())


class LinkPolicy(enum.StrEnum):
    """Which symbolic and hard links extraction creates."""

    #: No link at all; an archive holding one is refused.
    REFUSE = "refuse"
    #: Links whose target stays inside the destination (the default).
    INSIDE = "inside"
    #: Any link, wherever it points (only for archives you trust).
    ANY = "any"


def _positive_or_none(
    instance: ExtractionPolicy, attribute: attrs.Attribute[Any], value: object
) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise InvalidField(
            f"ExtractionPolicy.{attribute.name}",
            f"is {value!r}",
            "a positive number, or None for no limit",
        )


def _link_policy(
    instance: ExtractionPolicy, attribute: attrs.Attribute[LinkPolicy], value: object
) -> None:
    if not isinstance(value, LinkPolicy):
        raise InvalidField(
            "ExtractionPolicy.links", f"is {value!r}", "a LinkPolicy member"
        )


@attrs.frozen(kw_only=True)
class ExtractionPolicy:
    """What extraction accepts. Safe by default; each limit can be changed.

    ``None`` turns a limit off. Names (absolute paths, drive letters, ``..``),
    entries landing outside the destination and device files are always
    refused.

    Attributes:
        max_size: Total uncompressed bytes (default 4 GiB).
        max_entries: Entries of any kind (default 100 000).
        max_ratio: Total uncompressed bytes over the archive's size (default
            100; checked once past 1 MiB): zip bombs reach thousands.
        links: Which links to create (default: those staying inside).
    """

    max_size: int | None = attrs.field(default=4 << 30, validator=_positive_or_none)
    max_entries: int | None = attrs.field(default=100_000, validator=_positive_or_none)
    max_ratio: float | None = attrs.field(default=100.0, validator=_positive_or_none)
    links: LinkPolicy = attrs.field(default=LinkPolicy.INSIDE, validator=_link_policy)


# --- extraction ------------------------------------------------------------------


def extract_archive(
    archive: Path,
    destination: Path,
    archive_format: ArchiveFormat,
    policy: ExtractionPolicy,
    *,
    artifact: str,
) -> int:
    """Extract ``archive`` into ``destination`` (absent or empty); return entries.

    Raises:
        UnsafeArchive: An entry breaks a rule (`ArtifactTooLarge` for limits).
        BadArchive: The archive is corrupt or not of ``archive_format``.
    """
    _check_destination(destination, artifact)
    destination.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".cpjobs-", dir=destination.parent))
    try:
        root = staging / "tree"
        root.mkdir()
        extractor = _Extractor(
            root, policy, artifact=artifact, archive_size=archive.stat().st_size
        )
        try:
            if archive_format is ArchiveFormat.ZIP:
                _extract_zip(archive, extractor)
            else:
                _extract_tar(archive, extractor)
        except (
            zipfile.BadZipFile,
            zipfile.LargeZipFile,
            tarfile.TarError,
            gzip.BadGzipFile,
            zlib.error,
            EOFError,
            NotImplementedError,  # a zip compression method CPython lacks
            RuntimeError,  # an encrypted zip entry
        ) as error:
            raise BadArchive(
                artifact, f"not a valid {archive_format.value} archive: {error}"
            ) from error
        extractor.finish()
        with contextlib.suppress(FileNotFoundError):
            destination.rmdir()  # empty, checked above
        root.rename(destination)
        return extractor.entries
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _check_destination(destination: Path, artifact: str) -> None:
    if destination.is_symlink() or (
        destination.exists()
        and (not destination.is_dir() or any(destination.iterdir()))
    ):
        raise ArtifactError(
            artifact, f"cannot extract into {destination}: it exists and is not empty"
        )


class _Extractor:
    """Checks each entry and writes it under the staging root."""

    def __init__(
        self, root: Path, policy: ExtractionPolicy, *, artifact: str, archive_size: int
    ) -> None:
        self.root = root
        self.real_root = os.path.realpath(root)
        self.policy = policy
        self.artifact = artifact
        self.archive_size = max(archive_size, 1)
        self.entries = 0
        self.total = 0
        self.links: list[tuple[str, Path]] = []

    # --- checks ------------------------------------------------------------

    def refuse(self, entry: str, rule: ArchiveRule) -> UnsafeArchive:
        return UnsafeArchive(self.artifact, entry, rule)

    def admit(self, entry: str, size: int) -> Path | None:
        """Count an entry and check its name; where it goes (``None``: the root)."""
        self.entries += 1
        self.total += max(size, 0)
        policy = self.policy
        if policy.max_entries is not None and self.entries > policy.max_entries:
            raise ArtifactTooLarge(
                self.artifact,
                entry,
                ArchiveRule.ENTRY_COUNT,
                limit=policy.max_entries,
            )
        if policy.max_size is not None and self.total > policy.max_size:
            raise ArtifactTooLarge(
                self.artifact, entry, ArchiveRule.TOTAL_SIZE, limit=policy.max_size
            )
        if (
            policy.max_ratio is not None
            and self.total > _RATIO_FLOOR
            and self.total / self.archive_size > policy.max_ratio
        ):
            raise ArtifactTooLarge(
                self.artifact,
                entry,
                ArchiveRule.COMPRESSION_RATIO,
                limit=policy.max_ratio,
            )
        relative = self.relative(entry, entry)
        if relative is None:
            return None
        path = self.root.joinpath(*relative.parts)
        if not self.inside(os.path.realpath(path.parent)):
            raise self.refuse(entry, ArchiveRule.OUTSIDE_DESTINATION)
        return path

    def relative(self, entry: str, name: str) -> PurePosixPath | None:
        """``name`` as a safe relative path, or ``None`` for the root itself."""
        normalized = name.replace("\\", "/")
        if _DRIVE.match(normalized):
            raise self.refuse(entry, ArchiveRule.DRIVE_LETTER)
        if normalized.startswith("/"):
            raise self.refuse(entry, ArchiveRule.ABSOLUTE_PATH)
        parts = [part for part in normalized.split("/") if part not in ("", ".")]
        if ".." in parts:
            raise self.refuse(entry, ArchiveRule.PARENT_REFERENCE)
        return PurePosixPath(*parts) if parts else None

    def inside(self, real_path: str) -> bool:
        return real_path == self.real_root or real_path.startswith(
            self.real_root + os.sep
        )

    def allow_links(self, entry: str) -> None:
        if self.policy.links is LinkPolicy.REFUSE:
            raise self.refuse(entry, ArchiveRule.LINK)

    # --- writing -------------------------------------------------------------

    def directory(self, path: Path | None) -> None:
        if path is not None:
            _clear(path, keep_directory=True)
            path.mkdir(parents=True, exist_ok=True)

    def file(self, path: Path | None, source: IO[bytes], *, executable: bool) -> None:
        if path is None:
            return
        _clear(path, keep_directory=False)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("xb") as target:
            shutil.copyfileobj(source, target, _COPY_BUFFER)
        if executable:
            mode = path.stat().st_mode
            path.chmod(mode | (mode & 0o444) >> 2)

    def symlink(self, entry: str, path: Path | None, target: str) -> None:
        self.allow_links(entry)
        if path is None:
            raise self.refuse(entry, ArchiveRule.OUTSIDE_DESTINATION)
        if self.policy.links is LinkPolicy.INSIDE:
            normalized = target.replace("\\", "/")
            if normalized.startswith("/") or _DRIVE.match(normalized):
                raise self.refuse(entry, ArchiveRule.LINK_OUTSIDE)
        _clear(path, keep_directory=False)
        path.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, path)
        self.links.append((entry, path))
        self.check_link(entry, path)

    def hardlink(self, entry: str, path: Path | None, target: str) -> None:
        self.allow_links(entry)
        if path is None:
            raise self.refuse(entry, ArchiveRule.OUTSIDE_DESTINATION)
        if self.policy.links is LinkPolicy.ANY:
            source = os.path.join(self.root, target)
        else:
            try:
                relative = self.relative(entry, target)
            except UnsafeArchive:
                raise self.refuse(entry, ArchiveRule.LINK_OUTSIDE) from None
            if relative is None:
                raise self.refuse(entry, ArchiveRule.LINK_OUTSIDE)
            source = str(self.root.joinpath(*relative.parts))
            if not self.inside(os.path.realpath(source)):
                raise self.refuse(entry, ArchiveRule.LINK_OUTSIDE)
        _clear(path, keep_directory=False)
        path.parent.mkdir(parents=True, exist_ok=True)
        os.link(source, path, follow_symlinks=False)

    def check_link(self, entry: str, path: Path) -> None:
        if self.policy.links is LinkPolicy.INSIDE and not self.inside(
            os.path.realpath(path)
        ):
            raise self.refuse(entry, ArchiveRule.LINK_OUTSIDE)

    def finish(self) -> None:
        """Check every link again: a later entry may have changed where it leads."""
        for entry, path in self.links:
            self.check_link(entry, path)


def _clear(path: Path, *, keep_directory: bool) -> None:
    """Remove what a duplicate entry replaces, never writing through a link."""
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        path.unlink()
    elif path.is_dir() and not keep_directory:
        shutil.rmtree(path)


def _extract_zip(archive: Path, extractor: _Extractor) -> None:
    with zipfile.ZipFile(archive) as bundle:
        for info in bundle.infolist():
            mode = info.external_attr >> 16 if info.create_system == 3 else 0
            path = extractor.admit(info.filename, info.file_size)
            if stat.S_ISLNK(mode):
                if info.file_size > _MAX_LINK_TARGET:
                    raise BadArchive(
                        extractor.artifact, f"link {info.filename!r} is too long"
                    )
                target = bundle.read(info).decode("utf-8", "surrogateescape")
                extractor.symlink(info.filename, path, target)
            elif _special(mode):
                raise extractor.refuse(info.filename, ArchiveRule.SPECIAL_FILE)
            elif info.is_dir() or stat.S_ISDIR(mode):
                extractor.directory(path)
            else:
                with bundle.open(info) as source:
                    extractor.file(path, source, executable=bool(mode & 0o111))


def _special(mode: int) -> bool:
    return (
        stat.S_ISCHR(mode)
        or stat.S_ISBLK(mode)
        or stat.S_ISFIFO(mode)
        or stat.S_ISSOCK(mode)
    )


def _extract_tar(archive: Path, extractor: _Extractor) -> None:
    # "r:*" reads plain and gzip-compressed tar alike.
    with tarfile.open(archive, "r:*") as bundle:
        for member in bundle:
            path = extractor.admit(member.name, member.size if member.isreg() else 0)
            if member.issym():
                extractor.symlink(member.name, path, member.linkname)
            elif member.islnk():
                extractor.hardlink(member.name, path, member.linkname)
            elif member.isdir():
                extractor.directory(path)
            elif member.isreg():
                source = bundle.extractfile(member)
                if source is None:  # pragma: no cover - isreg() members have data
                    raise BadArchive(extractor.artifact, f"{member.name!r} has no data")
                with source:
                    extractor.file(path, source, executable=bool(member.mode & 0o111))
            else:
                raise extractor.refuse(member.name, ArchiveRule.SPECIAL_FILE)


# --- packing -----------------------------------------------------------------------


def pack_directory(
    source: Path, target: Path, archive_format: ArchiveFormat, *, artifact: str
) -> None:
    """Pack the tree under ``source`` into ``target``; links are kept as links.

    Entries are named relative to ``source`` and sorted, so the same tree
    gives the same listing. Zip entries record Unix modes (the executable
    bit survives).

    Raises:
        ArtifactError: ``source`` is not a directory, or holds a device file.
    """
    if not source.is_dir():
        raise ArtifactError(artifact, f"{source} is not a directory")
    if archive_format is ArchiveFormat.ZIP:
        with zipfile.ZipFile(
            target, "w", zipfile.ZIP_DEFLATED, strict_timestamps=False
        ) as bundle:
            for path, name in _walk(source, artifact):
                _zip_add(bundle, path, name)
        return
    mode = "w:gz" if archive_format is ArchiveFormat.TAR_GZ else "w"
    with tarfile.open(target, mode) as bundle:  # type: ignore[call-overload]
        for path, name in _walk(source, artifact):
            bundle.add(path, arcname=name, recursive=False, filter=_anonymous)


def _walk(source: Path, artifact: str) -> Iterator[tuple[Path, str]]:
    """Every directory, file and link under ``source``, sorted, with its name."""
    for directory, subdirectories, files in os.walk(source):
        subdirectories.sort()
        base = Path(directory)
        for name in sorted(subdirectories) + sorted(files):
            path = base / name
            relative = path.relative_to(source).as_posix()
            mode = path.lstat().st_mode
            if _special(mode):
                raise ArtifactError(
                    artifact, f"{relative}: cannot pack a device, FIFO or socket"
                )
            yield path, relative


def _zip_add(bundle: zipfile.ZipFile, path: Path, name: str) -> None:
    mode = path.lstat().st_mode
    if stat.S_ISLNK(mode):
        info = zipfile.ZipInfo.from_file(path, name, strict_timestamps=False)
        info.create_system = 3
        info.external_attr = mode << 16
        bundle.writestr(info, os.readlink(path))
    else:
        bundle.write(path, name)


def _anonymous(member: tarfile.TarInfo) -> tarfile.TarInfo:
    """Drop the packer's user and group: they mean nothing where it is unpacked."""
    member.uid = member.gid = 0
    member.uname = member.gname = ""
    return member
