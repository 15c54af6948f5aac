"""Safety: malicious archives are refused, naming the entry and the rule."""

from __future__ import annotations

import os
import stat
import tarfile
from pathlib import Path

import pytest

from cpjobs import (
    ArchiveRule,
    ArtifactError,
    ArtifactTooLarge,
    BadArchive,
    ExtractionPolicy,
    InvalidField,
    LinkPolicy,
    UnsafeArchive,
)

from .archives import tar_member, tar_of, zip_link, zip_of
from .conftest import Extract


@pytest.mark.parametrize(
    ("content", "entry", "rule"),
    [
        pytest.param(
            zip_of({"/etc/cron.d/evil": b"x"}),
            "/etc/cron.d/evil",
            ArchiveRule.ABSOLUTE_PATH,
            id="zip-absolute",
        ),
        pytest.param(
            tar_of([("/tmp/evil", b"x")]),
            "/tmp/evil",
            ArchiveRule.ABSOLUTE_PATH,
            id="tar-absolute",
        ),
        pytest.param(
            zip_of({"ok.txt": b"ok", "../../evil.sh": b"x"}),
            "../../evil.sh",
            ArchiveRule.PARENT_REFERENCE,
            id="zip-slip",
        ),
        pytest.param(
            tar_of([("a/../../evil", b"x")], gz=True),
            "a/../../evil",
            ArchiveRule.PARENT_REFERENCE,
            id="tar.gz-slip",
        ),
        pytest.param(
            zip_of({"..\\..\\evil.bat": b"x"}),
            "..\\..\\evil.bat",
            ArchiveRule.PARENT_REFERENCE,
            id="zip-backslash-slip",
        ),
        pytest.param(
            zip_of({"C:\\Windows\\evil.dll": b"x"}),
            "C:\\Windows\\evil.dll",
            ArchiveRule.DRIVE_LETTER,
            id="zip-drive-letter",
        ),
        pytest.param(
            tar_of([tar_member("dev/sda", tarfile.BLKTYPE)]),
            "dev/sda",
            ArchiveRule.SPECIAL_FILE,
            id="tar-block-device",
        ),
        pytest.param(
            tar_of([tar_member("null", tarfile.CHRTYPE)]),
            "null",
            ArchiveRule.SPECIAL_FILE,
            id="tar-char-device",
        ),
        pytest.param(
            tar_of([tar_member("pipe", tarfile.FIFOTYPE)]),
            "pipe",
            ArchiveRule.SPECIAL_FILE,
            id="tar-fifo",
        ),
        pytest.param(
            zip_of({"pipe": b""}, modes={"pipe": stat.S_IFIFO | 0o644}),
            "pipe",
            ArchiveRule.SPECIAL_FILE,
            id="zip-fifo",
        ),
        pytest.param(
            tar_of([tar_member("passwd", tarfile.SYMTYPE, linkname="/etc/passwd")]),
            "passwd",
            ArchiveRule.LINK_OUTSIDE,
            id="tar-absolute-symlink",
        ),
        pytest.param(
            zip_link("up", "../../.."),
            "up",
            ArchiveRule.LINK_OUTSIDE,
            id="zip-symlink-up",
        ),
        pytest.param(
            tar_of([tar_member("shadow", tarfile.LNKTYPE, linkname="/etc/shadow")]),
            "shadow",
            ArchiveRule.LINK_OUTSIDE,
            id="tar-hardlink-absolute",
        ),
        pytest.param(
            tar_of([tar_member("h", tarfile.LNKTYPE, linkname="../outside")]),
            "h",
            ArchiveRule.LINK_OUTSIDE,
            id="tar-hardlink-up",
        ),
    ],
)
async def test_attacks_are_refused_by_their_rule(
    content: bytes, entry: str, rule: ArchiveRule, extract: Extract, tmp_path: Path
) -> None:
    """Each attack raises UnsafeArchive naming its entry and rule; nothing is written."""
    with pytest.raises(UnsafeArchive) as caught:
        await extract(content)

    assert (entry, rule, "Source", []) == (
        caught.value.entry,
        caught.value.rule,
        caught.value.artifact,
        os.listdir(tmp_path),
    )


async def test_a_link_cannot_be_written_through(
    extract: Extract, tmp_path: Path
) -> None:
    """A link to outside, then a file under it: the link is refused first."""
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.mkdir()
    content = tar_of(
        [
            tar_member("escape", tarfile.SYMTYPE, linkname=str(outside)),
            ("escape/x", b"x"),
        ]
    )

    with pytest.raises(UnsafeArchive) as caught:
        await extract(content)

    assert ("escape", ArchiveRule.LINK_OUTSIDE, []) == (
        caught.value.entry,
        caught.value.rule,
        os.listdir(outside),
    )


async def test_a_chain_of_links_cannot_climb_out(extract: Extract) -> None:
    """``d -> .`` then ``d/e -> ..``: each looks inside alone, together they escape."""
    content = tar_of(
        [
            tar_member("d", tarfile.SYMTYPE, linkname="."),
            tar_member("d/e", tarfile.SYMTYPE, linkname=".."),
        ]
    )

    with pytest.raises(UnsafeArchive) as caught:
        await extract(content)

    assert ("d/e", ArchiveRule.LINK_OUTSIDE) == (caught.value.entry, caught.value.rule)


async def test_a_link_made_to_escape_by_a_later_link_is_caught(
    extract: Extract,
) -> None:
    """``sub/l -> ../p/../x`` is inside until ``p`` becomes a link: checked at the end."""
    content = tar_of(
        [
            tar_member("sub/l", tarfile.SYMTYPE, linkname="../p/../x"),
            tar_member("p", tarfile.SYMTYPE, linkname="sub/.."),
        ]
    )

    with pytest.raises(UnsafeArchive) as caught:
        await extract(content)

    assert ("sub/l", ArchiveRule.LINK_OUTSIDE) == (
        caught.value.entry,
        caught.value.rule,
    )


async def test_links_can_be_refused_altogether(extract: Extract) -> None:
    """``LinkPolicy.REFUSE`` refuses even a link that stays inside."""
    content = zip_link("alias", "target")

    with pytest.raises(UnsafeArchive) as caught:
        await extract(content, ExtractionPolicy(links=LinkPolicy.REFUSE))

    assert ("alias", ArchiveRule.LINK) == (caught.value.entry, caught.value.rule)


async def test_any_link_is_an_explicit_opt_out(extract: Extract) -> None:
    """``LinkPolicy.ANY`` creates a link pointing outside, as the archive says."""
    content = tar_of([tar_member("hosts", tarfile.SYMTYPE, linkname="/etc/hosts")])

    destination = await extract(content, ExtractionPolicy(links=LinkPolicy.ANY))

    assert "/etc/hosts" == os.readlink(destination / "hosts")


async def test_hard_links_inside_are_created(extract: Extract) -> None:
    """A tar hard link to an earlier member shares its inode."""
    content = tar_of(
        [("a.txt", b"shared"), tar_member("b.txt", tarfile.LNKTYPE, linkname="a.txt")]
    )

    destination = await extract(content)

    assert (destination / "a.txt").stat().st_ino == (
        destination / "b.txt"
    ).stat().st_ino


async def test_too_many_entries(extract: Extract) -> None:
    """More entries than ``max_entries`` is ArtifactTooLarge at the first one over."""
    content = zip_of({f"f{index}": b"" for index in range(4)})

    with pytest.raises(ArtifactTooLarge) as caught:
        await extract(content, ExtractionPolicy(max_entries=3))

    assert ("f3", ArchiveRule.ENTRY_COUNT, 3) == (
        caught.value.entry,
        caught.value.rule,
        caught.value.limit,
    )


async def test_too_large_in_total(extract: Extract) -> None:
    """More uncompressed bytes than ``max_size`` is ArtifactTooLarge."""
    content = tar_of([("a", b"a" * 600), ("b", b"b" * 600)], gz=True)

    with pytest.raises(ArtifactTooLarge) as caught:
        await extract(content, ExtractionPolicy(max_size=1000))

    assert ("b", ArchiveRule.TOTAL_SIZE) == (caught.value.entry, caught.value.rule)


async def test_zip_bomb_is_refused_by_its_ratio(
    extract: Extract, tmp_path: Path
) -> None:
    """64 MiB of zeros in a ~64 KiB zip goes over the default ratio of 100."""
    content = zip_of({"zeros": bytes(64 << 20)})

    with pytest.raises(ArtifactTooLarge) as caught:
        await extract(content)

    assert ("zeros", ArchiveRule.COMPRESSION_RATIO, []) == (
        caught.value.entry,
        caught.value.rule,
        os.listdir(tmp_path),
    )


async def test_limits_can_be_lifted(extract: Extract) -> None:
    """With ``max_ratio=None`` the same highly compressible file extracts."""
    content = zip_of({"zeros": bytes(4 << 20)})

    destination = await extract(content, ExtractionPolicy(max_ratio=None))

    assert 4 << 20 == (destination / "zeros").stat().st_size


async def test_small_archives_are_not_held_to_the_ratio(extract: Extract) -> None:
    """A few kilobytes of blanks compress far beyond 100x and still extract."""
    content = zip_of({"blank.txt": b" " * 100_000})

    destination = await extract(content)

    assert 100_000 == (destination / "blank.txt").stat().st_size


async def test_destination_must_be_empty(extract: Extract, tmp_path: Path) -> None:
    """Extracting over existing files is refused rather than mixing two trees."""
    (tmp_path / "out").mkdir()
    (tmp_path / "out/keep.txt").write_bytes(b"mine")

    with pytest.raises(ArtifactError, match="not empty"):
        await extract(zip_of({"a": b"a"}))

    assert b"mine" == (tmp_path / "out/keep.txt").read_bytes()


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"max_size": 0}, "ExtractionPolicy.max_size"),
        ({"max_entries": -1}, "ExtractionPolicy.max_entries"),
        ({"max_ratio": "high"}, "ExtractionPolicy.max_ratio"),
        ({"links": "inside"}, "ExtractionPolicy.links"),
    ],
)
def test_policy_values_are_checked(options: dict[str, object], field: str) -> None:
    """A limit that is not a positive number (or None) names its field."""
    with pytest.raises(InvalidField) as caught:
        ExtractionPolicy(**options)  # type: ignore[arg-type]

    assert field == caught.value.field


async def test_any_link_still_cannot_be_written_through(
    extract: Extract, tmp_path: Path
) -> None:
    """Even with ``LinkPolicy.ANY``, an entry under a link to outside is refused."""
    outside = tmp_path.parent / f"{tmp_path.name}-elsewhere"
    outside.mkdir()
    content = tar_of(
        [tar_member("away", tarfile.SYMTYPE, linkname=str(outside)), ("away/x", b"x")]
    )

    with pytest.raises(UnsafeArchive) as caught:
        await extract(content, ExtractionPolicy(links=LinkPolicy.ANY))

    assert ("away/x", ArchiveRule.OUTSIDE_DESTINATION, []) == (
        caught.value.entry,
        caught.value.rule,
        os.listdir(outside),
    )


@pytest.mark.parametrize(
    ("content", "entry", "rule"),
    [
        pytest.param(
            tar_of([tar_member(".", tarfile.SYMTYPE, linkname="x")]),
            ".",
            ArchiveRule.OUTSIDE_DESTINATION,
            id="link-as-the-root",
        ),
        pytest.param(
            tar_of([tar_member("./", tarfile.LNKTYPE, linkname="x")]),
            "./",
            ArchiveRule.OUTSIDE_DESTINATION,
            id="hardlink-as-the-root",
        ),
        pytest.param(
            tar_of([tar_member("h", tarfile.LNKTYPE, linkname=".")]),
            "h",
            ArchiveRule.LINK_OUTSIDE,
            id="hardlink-to-the-root",
        ),
        pytest.param(
            tar_of(
                [
                    tar_member("up", tarfile.SYMTYPE, linkname="."),
                    tar_member("h", tarfile.LNKTYPE, linkname="up/../../x"),
                ]
            ),
            "h",
            ArchiveRule.LINK_OUTSIDE,
            id="hardlink-climbing",
        ),
    ],
)
async def test_odd_names_and_links_are_refused(
    content: bytes, entry: str, rule: ArchiveRule, extract: Extract
) -> None:
    """Links standing for the root, and hard links out, are refused."""
    with pytest.raises(UnsafeArchive) as caught:
        await extract(content)

    assert (entry, rule) == (caught.value.entry, caught.value.rule)


async def test_the_root_entry_is_skipped(extract: Extract) -> None:
    """A tar's ``./`` entry is the destination itself: nothing to create."""
    content = tar_of([tar_member("./", tarfile.DIRTYPE, mode=0o755), ("./a", b"a")])

    destination = await extract(content)

    assert ["a"] == os.listdir(destination)


async def test_a_later_duplicate_replaces_an_earlier_entry(extract: Extract) -> None:
    """The last of two entries with one name wins, be it a file or a directory."""
    content = tar_of(
        [
            ("same", b"first"),
            ("same", b"second"),
            tar_member("dir", tarfile.DIRTYPE, mode=0o755),
            ("dir/inner", b"x"),
            ("dir", b"now a file"),
        ]
    )

    destination = await extract(content)

    assert (b"second", b"now a file") == (
        (destination / "same").read_bytes(),
        (destination / "dir").read_bytes(),
    )


async def test_zip_directories_by_mode(extract: Extract) -> None:
    """A Unix zip entry with a directory mode, without a slash, is a directory."""
    content = zip_of({"folder": b""}, modes={"folder": stat.S_IFDIR | 0o755})

    destination = await extract(content)

    assert (destination / "folder").is_dir()


async def test_a_link_target_longer_than_a_path_is_a_bad_archive(
    extract: Extract,
) -> None:
    """A zip link whose target is kilobytes long is not a link: BadArchive."""
    with pytest.raises(BadArchive):
        await extract(zip_link("l", "x" * 5000))
