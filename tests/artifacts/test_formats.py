"""Formats: zip, tar and tar.gz read from the bytes, then the Content-Type."""

from __future__ import annotations

import io
import os
import stat
import tarfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cpjobs import (
    ArchiveFormat,
    ArtifactError,
    ArtifactStore,
    BadArchive,
)
from cpjobs._archive import detect_format

from .archives import tar_member, tar_of, zip_of
from .conftest import Extract, JobFactory

FILES = {"src/app.py": b"print('hi')\n", "README": b"read me\n"}


def v7_tar(name: str, content: bytes) -> bytes:
    """A one-file tar in the old V7 format: no ``ustar`` magic at offset 257."""
    info = tarfile.TarInfo(name)
    info.size = len(content)
    header = bytearray(info.tobuf(format=tarfile.GNU_FORMAT))
    header[257:265] = bytes(8)
    header[148:156] = b" " * 8
    header[148:156] = b"%06o\0 " % sum(header)
    padding = bytes(-len(content) % 512)
    return bytes(header) + content + padding + bytes(1024)


def tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` with its content."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(zip_of(FILES), id="zip"),
        pytest.param(tar_of(FILES.items()), id="tar"),
        pytest.param(tar_of(FILES.items(), gz=True), id="tar.gz"),
    ],
)
async def test_each_format_extracts_to_its_files(
    content: bytes, extract: Extract
) -> None:
    """A zip, a tar and a tar.gz in S3 (keys without extension) extract alike."""
    destination = await extract(content)

    assert FILES == tree(destination)


async def test_zip_entries_keep_their_executable_bit(extract: Extract) -> None:
    """A Unix zip entry marked executable is executable once extracted."""
    content = zip_of(
        {"run.sh": b"#!/bin/sh\n", "data.txt": b"x"},
        modes={"run.sh": stat.S_IFREG | 0o755, "data.txt": stat.S_IFREG | 0o644},
    )

    destination = await extract(content)

    assert (True, False) == (
        os.access(destination / "run.sh", os.X_OK),
        os.access(destination / "data.txt", os.X_OK),
    )


async def test_tar_entries_keep_their_executable_bit(extract: Extract) -> None:
    """A tar member with mode 0755 is executable once extracted."""
    info = tar_member("tool", tarfile.REGTYPE, mode=0o755)
    info.size = 3
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        archive.addfile(info, io.BytesIO(b"abc"))

    destination = await extract(buffer.getvalue())

    assert os.access(destination / "tool", os.X_OK)


async def test_links_inside_the_archive_are_created(extract: Extract) -> None:
    """A symbolic link to a file of the archive is a link after extraction."""
    content = tar_of(
        [
            ("lib/real.so", b"elf"),
            tar_member("lib/alias.so", tarfile.SYMTYPE, linkname="real.so"),
        ]
    )

    destination = await extract(content)

    assert ("real.so", b"elf") == (
        os.readlink(destination / "lib/alias.so"),
        (destination / "lib/alias.so").read_bytes(),
    )


async def test_not_an_archive_is_a_bad_archive(
    extract: Extract, tmp_path: Path
) -> None:
    """Bytes that are no zip, tar or tar.gz are refused, naming the artifact."""
    with pytest.raises(BadArchive) as caught:
        await extract(b"just some text, no archive")

    assert ("Source", False, False) == (
        caught.value.artifact,
        caught.value.retryable,
        (tmp_path / "out").exists(),
    )


async def test_corrupt_zip_is_a_bad_archive(extract: Extract, tmp_path: Path) -> None:
    """A zip cut short is refused and nothing is left at the destination."""
    content = zip_of({"a.txt": b"a" * 10_000})

    with pytest.raises(BadArchive):
        await extract(content[: len(content) // 2])

    assert [] == os.listdir(tmp_path)


@pytest.mark.parametrize(
    ("head", "content_type", "expected"),
    [
        (b"PK\x03\x04rest", None, ArchiveFormat.ZIP),
        (b"PK\x05\x06" + bytes(18), None, ArchiveFormat.ZIP),
        (b"\x1f\x8b\x08rest", "application/zip", ArchiveFormat.TAR_GZ),
        (bytes(257) + b"ustar\x0000", None, ArchiveFormat.TAR),
        (b"old tar without magic", "application/x-tar", ArchiveFormat.TAR),
        (b"????", "application/zip; charset=binary", ArchiveFormat.ZIP),
        (b"????", "application/x-gzip", ArchiveFormat.TAR_GZ),
        (b"????", "text/plain", None),
        (b"????", None, None),
    ],
)
def test_format_comes_from_the_bytes_then_the_content_type(
    head: bytes, content_type: str | None, expected: ArchiveFormat | None
) -> None:
    """Magic bytes win over the Content-Type, which decides only without them."""
    assert expected == detect_format(head, content_type)


async def test_an_old_tar_is_read_by_its_content_type(
    make_job: JobFactory,
    store_for: Callable[..., ArtifactStore],
    s3: Any,
    tmp_path: Path,
) -> None:
    """A tar without the ustar magic extracts when S3 says it is application/x-tar."""
    job = await make_job({"Old": v7_tar("notes.txt", b"notes")})
    store = store_for(job)
    location = store.input().location
    s3.copy_object(
        Bucket=location.bucket_name,
        Key=location.object_key,
        CopySource={"Bucket": location.bucket_name, "Key": location.object_key},
        ContentType="application/x-tar",
        MetadataDirective="REPLACE",
    )

    destination = await store.input().extract(tmp_path / "old")

    assert {"notes.txt": b"notes"} == tree(destination)


async def test_directory_uploads_as_a_zip_by_default(
    make_job: JobFactory,
    store_for: Callable[..., ArtifactStore],
    emulator: Any,
    tmp_path: Path,
) -> None:
    """An uploaded directory is a zip with its files and their executable bits."""
    source = tmp_path / "build"
    (source / "bin").mkdir(parents=True)
    (source / "bin/run").write_bytes(b"#!/bin/sh\n")
    (source / "bin/run").chmod(0o755)
    (source / "report.json").write_bytes(b"{}")
    job = await make_job(outputs=["Out"])

    await store_for(job).output().upload_directory(source)

    with zipfile.ZipFile(io.BytesIO(emulator.read_artifact(job.id, "Out"))) as archive:
        listing = {
            info.filename: (info.external_attr >> 16) & 0o111 != 0
            for info in archive.infolist()
        }
    assert {"bin/": True, "bin/run": True, "report.json": False} == listing


async def test_directory_uploads_as_tar_gz_on_request(
    make_job: JobFactory,
    store_for: Callable[..., ArtifactStore],
    emulator: Any,
    s3: Any,
    tmp_path: Path,
) -> None:
    """``archive_format=TAR_GZ`` uploads a tar.gz with its Content-Type."""
    source = tmp_path / "build"
    source.mkdir()
    (source / "a.txt").write_bytes(b"a")
    job = await make_job(outputs=["Out"])
    output = store_for(job).output()

    await output.upload_directory(source, archive_format=ArchiveFormat.TAR_GZ)

    content = emulator.read_artifact(job.id, "Out")
    with tarfile.open(fileobj=io.BytesIO(content), mode="r:gz") as archive:
        names = archive.getnames()
    head = s3.head_object(
        Bucket=output.location.bucket_name, Key=output.location.object_key
    )
    assert (["a.txt"], "application/gzip") == (names, head["ContentType"])


async def test_what_is_uploaded_extracts_the_same(
    make_job: JobFactory,
    store_for: Callable[..., ArtifactStore],
    emulator: Any,
    tmp_path: Path,
) -> None:
    """A directory zipped by upload_directory extracts back to the same tree and links."""
    source = tmp_path / "build"
    (source / "deep/er").mkdir(parents=True)
    (source / "deep/er/file.txt").write_bytes(b"content")
    (source / "link.txt").symlink_to("deep/er/file.txt")
    job = await make_job(outputs=["Out"])
    await store_for(job).output().upload_directory(source)
    again = await make_job({"In": emulator.read_artifact(job.id, "Out")})

    destination = await store_for(again).input().extract(tmp_path / "again")

    assert ("deep/er/file.txt", b"content") == (
        os.readlink(destination / "link.txt"),
        (destination / "link.txt").read_bytes(),
    )


async def test_only_a_directory_uploads_as_one(
    make_job: JobFactory, store_for: Callable[..., ArtifactStore], tmp_path: Path
) -> None:
    """``upload_directory`` of a file, or of a tree holding a FIFO, is refused."""
    job = await make_job(outputs=["Out"])
    output = store_for(job).output()
    (tmp_path / "file").write_bytes(b"x")
    (tmp_path / "tree").mkdir()
    os.mkfifo(tmp_path / "tree" / "pipe")

    with pytest.raises(ArtifactError, match="is not a directory"):
        await output.upload_directory(tmp_path / "file")
    with pytest.raises(ArtifactError, match="pipe: cannot pack a device"):
        await output.upload_directory(tmp_path / "tree")
