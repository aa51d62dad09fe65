"""The hostile suite's case table: each hostile input, name, stream or signal, and the exit code it must give.

tests/hostile/test_hostile.py runs every case; tests/hostile/exit_codes.py
writes docs/exit-codes.md from this table (``make exit-codes``).
"""

from __future__ import annotations

import csv
import os
import signal
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from photos import (
    Maker,
    blank,
    clip_bytes,
    cropped_at_the_waist,
    exif_rotated,
    far_away,
    garbage_exif,
    jpeg_bytes,
    noise,
    odd_orientation,
    person,
    png_bomb,
    png_bytes,
    png_header_only,
    sample,
    saved,
    shared,
    side_person,
    sixteen_bit,
    truncated,
    two_people,
    written,
)
from PIL import Image

from posture.errors import ExitCode


@dataclass(frozen=True)
class Layout:
    """Where a case's files are: ``root`` (the case's own folder), ``photos`` (its inputs), ``out``, ``mnt``."""

    root: Path
    made: tuple[Path, ...]

    @property
    def photos(self) -> Path:
        return self.root / "in"

    @property
    def out(self) -> Path:
        return self.root / "out"

    @property
    def mnt(self) -> Path:
        return self.root / "mnt"

    @property
    def outside(self) -> Path:
        """A folder no run may write into; symbolic links are planted pointing at it."""
        return self.root / "outside"

    @property
    def first(self) -> str:
        return os.fspath(self.made[0])


Arguments = Callable[[Layout], list[str]]


@dataclass(frozen=True)
class Case:
    """One hostile case.

    Attributes:
        id: the case's name in the test ids and in docs/exit-codes.md.
        code: the exit code it must give.
        what: what is hostile about it, for docs/exit-codes.md.
        argv: the arguments after ``posture``.
        make: the inputs, made in ``layout.photos``.
        setup: anything else the case needs before the run (planted links, an earlier run's tables).
        how: ``in-process`` (``posture.cli.main.main``), ``process`` (a ``python -m posture`` process, for streams),
            ``mounted`` (a process with a small tmpfs at ``layout.mnt``), or ``signal`` (a process sent ``signal``).
        outputs: paths below the root the run may create (files or folders).
        stdout, stderr: ``pipe``, ``full`` (/dev/full) or ``closed``.
        mount: for ``mounted``: ``full`` (4 KiB) or ``read-only``.
        signal_number, signal_when: for ``signal``: the signal, and ``model`` (MediaPipe is loading) or ``row``
            (the first result is in the tables).
        check: more to check after the run, given the layout and stdout.
        environment: variables set for the run, each value given the layout (``POSTURE_CHROMIUM``).
    """

    id: str
    code: ExitCode
    what: str
    argv: Arguments
    make: tuple[Maker, ...] = ()
    setup: Callable[[Layout], None] | None = None
    how: str = "in-process"
    outputs: tuple[str, ...] = ()
    stdout: str = "pipe"
    stderr: str = "pipe"
    mount: str = ""
    signal_number: int = 0
    signal_when: str = ""
    check: Callable[[Layout, str], None] | None = field(default=None, compare=False)
    environment: tuple[tuple[str, Callable[[Layout], str]], ...] = ()


def analyze(*extra: str) -> Arguments:
    return lambda layout: ["analyze", layout.first, "--fast", *extra]


def analyze_with(*extra: str) -> Arguments:
    """``analyze`` with options placed before the photo, where a leading dash could be taken as one."""
    return lambda layout: ["analyze", "--fast", *extra, "--", layout.first]


def batch(*extra: str) -> Arguments:
    return lambda layout: ["batch", os.fspath(layout.photos), "-o", os.fspath(layout.out), "--fast", "--quiet",
                           *extra]


def failure_kinds(layout: Layout) -> list[str]:
    with open(layout.out / "failures.csv", newline="", encoding="utf-8") as stream:
        return [row["kind"] for row in csv.DictReader(stream)]


def one_failure_of_kind(kind: str) -> Callable[[Layout, str], None]:
    def check(layout: Layout, stdout: str) -> None:
        assert failure_kinds(layout) == [kind]

    return check


def results_rows(layout: Layout) -> int:
    return (layout.out / "results.csv").read_bytes().count(b"\r\n") - 1


# --------------------------------------------------------------------------- bad files


BAD_FILES: dict[str, tuple[str, Maker]] = {
    "truncated-jpeg": ("a JPEG cut in half", written("cut.jpg", truncated(jpeg_bytes))),
    "truncated-jpeg-header": ("a JPEG cut inside its header", written("head.jpg", lambda: jpeg_bytes()[:40])),
    "truncated-png": ("a PNG cut in half", written("cut.png", truncated(lambda: png_bytes(side_person())))),
    "empty": ("an empty file (0 bytes)", written("empty.jpg", b"")),
    "text-as-jpg": ("a text file renamed .jpg", written("notes.jpg", b"not a photo at all\n")),
    "text-as-png": ("a text file renamed .png", written("notes.png", b"\x89PNG? no, a note\n")),
    "random-bytes": ("random bytes named .jpg", written("random.jpg", os.urandom(4096))),
    "zero-width": ("a PNG header of 0 x 100 pixels", written("zero.png", png_header_only(0, 100))),
    "huge-dimensions": ("a PNG header of 100,000 x 100,000 pixels and almost no data",
                        written("huge.png", png_header_only(100_000, 100_000))),
    "bomb": ("a decompression bomb: 144 megapixels of zeros in a 140 KB PNG", written("bomb.png", png_bomb)),
    "tiny": ("a 40 x 30 pixel photo", saved(blank((40, 30)), "tiny.png")),
    "truncated-clip": ("a video clip cut in half (before the index a phone writes last)",
                       written("cut.mp4", truncated(clip_bytes))),
    "clip-without-video": ("a video file holding only sound", written("sound.mp4", lambda: clip_bytes(sound_only=True))),
    "8k-clip": ("a video clip of 8K frames (7680 x 4320)", written("8k.mp4", lambda: clip_bytes((7680, 4320), 1))),
    "gif": ("a GIF (a format posture does not read)", saved(blank(), "wall.gif")),
    "bmp-as-jpg": ("a BMP named .jpg", saved(blank(), "wall.jpg", format="BMP")),
    "tiff": ("a TIFF", saved(blank(), "wall.tiff")),
}

BAD_PATHS: dict[str, tuple[str, Arguments, Callable[[Layout], None] | None]] = {
    "missing": ("a photo that does not exist", lambda layout: ["analyze", os.fspath(layout.root / "absent.jpg")], None),
    "directory": ("a folder given as the photo", lambda layout: ["analyze", os.fspath(layout.photos)], None),
    "fifo": ("a named pipe named .jpg (reading it could block for ever)",
             lambda layout: ["analyze", os.fspath(layout.photos / "pipe.jpg")],
             lambda layout: os.mkfifo(layout.photos / "pipe.jpg")),
    "device": ("/dev/zero given as the photo", lambda layout: ["analyze", "/dev/zero"], None),
    "broken-link": ("a symbolic link to nothing", lambda layout: ["analyze", os.fspath(layout.photos / "gone.jpg")],
                    lambda layout: (layout.photos / "gone.jpg").symlink_to(layout.root / "nowhere.jpg")),
    "link-loop": ("a symbolic link to itself", lambda layout: ["analyze", os.fspath(layout.photos / "loop.jpg")],
                  lambda layout: (layout.photos / "loop.jpg").symlink_to(layout.photos / "loop.jpg")),
    "missing-newline-name": ("a missing photo whose name holds a newline",
                             lambda layout: ["analyze", os.fspath(layout.root / "a\nb.jpg")], None),
    "missing-not-utf8-name": ("a missing photo whose name is not UTF-8",
                              lambda layout: ["analyze", os.fsdecode(os.fsencode(layout.root) + b"/\xff\xfe.jpg")],
                              None),
}

CASES: list[Case] = []

for name, (what, maker) in BAD_FILES.items():
    CASES.append(Case(f"analyze-{name}", ExitCode.BAD_INPUT, what, analyze(), (maker,)))
    CASES.append(Case(f"batch-{name}", ExitCode.OK, f"in a batch: {what} (a failure row)", batch(), (maker,),
                      outputs=("out",), check=one_failure_of_kind("skipped" if name in ("gif", "tiff") else "input")))
for name, (what, arguments, prepare) in BAD_PATHS.items():
    CASES.append(Case(f"analyze-{name}", ExitCode.BAD_INPUT, what, arguments, setup=prepare))
CASES += [
    Case("analyze-16-bit-over-the-limit", ExitCode.BAD_INPUT,
         "a 16-bit PNG within --max-pixels by its pixels, beyond it by its bytes",
         lambda layout: ["analyze", layout.first, "--max-pixels", str(side_person().width * side_person().height)],
         (person("deep.png", sixteen_bit),)),
    Case("analyze-over-max-pixels", ExitCode.BAD_INPUT, "a photo over --max-pixels",
         lambda layout: ["analyze", layout.first, "--max-pixels", "1000"], (person("p.png"),)),
    Case("analyze-one-bad-of-two", ExitCode.BAD_INPUT, "two photos, the second empty: the first is still reported",
         lambda layout: ["analyze", "--fast", *map(os.fspath, layout.made)],
         (person("good.png"), written("empty.png", b""))),
]

# --------------------------------------------------------------------------- photos that decode, good and refused

GOOD_PHOTOS: dict[str, tuple[str, Maker]] = {
    "cmyk-jpeg": ("a CMYK JPEG", person("cmyk.jpg", lambda image: image.convert("CMYK"), quality=92)),
    "16-bit-png": ("a 16-bit grey PNG", person("deep.png", sixteen_bit)),
    "grey-png": ("an 8-bit grey PNG", person("grey.png", lambda image: image.convert("L"))),
    "palette-png": ("a palette PNG", person("palette.png", lambda image: image.convert("P", palette=Image.ADAPTIVE))),
    "rgba-png": ("a PNG with an alpha channel", person("alpha.png", lambda image: image.convert("RGBA"))),
    "webp": ("a WebP", person("photo.webp", quality=90)),
    **{f"exif-orientation-{n}": (f"a JPEG stored turned, with EXIF orientation {n}", exif_rotated(n))
       for n in range(2, 9)},
    "name-with-spaces": ("a name with spaces", person("my photo  2.png")),
    "name-with-newline": ("a name with a newline", person("line\nbreak.png")),
    "name-leading-dash": ("a name starting with a dash", person("-rf.png")),
    "name-not-utf8": ("a name that is not UTF-8", person(os.fsdecode(b"caf\xe9.png"))),
    "name-unicode": ("a name in Greek with an emoji", person("στάση 🧍.png")),
}
for name, (what, maker) in GOOD_PHOTOS.items():
    CASES.append(Case(f"analyze-{name}", ExitCode.OK, what, analyze_with(), (maker,)))

REFUSED_PHOTOS: dict[str, tuple[ExitCode, str, Maker]] = {
    "no-person-wall": (ExitCode.NO_USABLE_PERSON, "a blank wall", saved(blank(), "wall.png")),
    "no-person-clip": (ExitCode.NO_USABLE_PERSON, "a video clip of a blank wall", written("wall.mp4", clip_bytes)),
    "no-person-noise": (ExitCode.NO_USABLE_PERSON, "noise", saved(noise(), "noise.png")),
    "black": (ExitCode.NO_USABLE_PERSON, "a black photo", saved(blank(colour=(0, 0, 0)), "black.png")),
    "two-people": (ExitCode.NO_USABLE_PERSON, "two people side by side", person("two.png", two_people)),
    "cropped-person": (ExitCode.NO_USABLE_PERSON, "a person cut off at the waist",
                       person("cropped.png", cropped_at_the_waist)),
    "far-person": (ExitCode.NO_USABLE_PERSON, "a person too small in the photo", person("far.png", far_away)),
    "upside-down": (ExitCode.UNSUPPORTED_VIEW, "a person upside down, with no EXIF to turn it",
                    person("upside.png", lambda image: image.transpose(Image.Transpose.ROTATE_180))),
    "lying": (ExitCode.UNSUPPORTED_VIEW, "a person on their side (the photo turned a quarter, no EXIF)",
              person("lying.png", lambda image: image.transpose(Image.Transpose.ROTATE_90))),
    "real-four-women": (ExitCode.NO_USABLE_PERSON, "a real photo of four people",
                        shared("multi_four_women_standing_front_01.png")),
    "real-no-person": (ExitCode.NO_USABLE_PERSON, "a real street with no person", shared("no_person_stop_sign_01.jpg")),
    "real-waist-up": (ExitCode.NO_USABLE_PERSON, "a real person cut off at the waist",
                      shared("cropped_waist_up_businesswoman_01.png")),
    "real-sitting": (ExitCode.UNSUPPORTED_VIEW, "a real person sitting", shared("sitting_woman_street_01.jpg")),
    "real-small-person": (ExitCode.NO_USABLE_PERSON, "a real person far away in a plaza",
                          shared("small_person_plaza_01.jpg")),
}
for name, (code, what, maker) in REFUSED_PHOTOS.items():
    CASES.append(Case(f"analyze-{name}", code, what, analyze(), (maker,)))

CASES += [
    Case("analyze-markers-without-markers", ExitCode.MARKERS, "--markers on a photo with no skin markers",
         analyze("--markers"), (person("plain.png"),)),
    Case("analyze-markers-blue-without-markers", ExitCode.MARKERS, "--markers blue on a photo with no skin markers",
         analyze("--markers", "blue"), (person("plain.png"),)),
]

# --------------------------------------------------------------------------- bad values on the command line

BAD_VALUES: dict[str, list[str]] = {
    "--height-cm": ["abc", "0", "-170", "nan", "inf", "49.9", "250.1", "1e309", "", "170cm", "5'9"],
    "--roll": ["45.1", "-46", "nan", "inf", "x", "", "1e3"],
    "--max-pixels": ["0", "-1", "abc", "1.5", "", "1e9"],
}
for option, values in BAD_VALUES.items():
    for value in values:
        CASES.append(Case(f"analyze{option}={value!r}", ExitCode.USAGE, f"{option} {value!r}",
                          lambda layout, option=option, value=value: ["analyze", layout.first, f"{option}={value}"],
                          (person("p.png"),)))
CASES += [
    Case("analyze-annotate-not-png", ExitCode.USAGE, "--annotate to a .jpg name", analyze("--annotate", "x.jpg"),
         (person("p.png"),)),
    Case("analyze-html-not-html", ExitCode.USAGE, "--html to a .txt name", analyze("--html", "x.txt"),
         (person("p.png"),)),
    Case("analyze-markers-red", ExitCode.USAGE, "--markers in a colour posture does not look for",
         analyze("--markers", "red"), (person("p.png"),)),
    Case("analyze-no-photo", ExitCode.USAGE, "analyze with no photo", lambda layout: ["analyze"]),
    Case("analyze-unknown-option", ExitCode.USAGE, "an option that does not exist", analyze("--colour"),
         (person("p.png"),)),
    Case("analyze-roll-and-no-level", ExitCode.USAGE, "--roll with --no-level", analyze("--roll", "2", "--no-level"),
         (person("p.png"),)),
    Case("analyze-annotate-two-photos", ExitCode.USAGE, "--annotate with two photos",
         lambda layout: ["analyze", layout.first, layout.first, "--annotate", "a.png"], (person("p.png"),)),
    Case("no-command", ExitCode.USAGE, "posture with no command", lambda layout: []),
    Case("unknown-command", ExitCode.USAGE, "a command that does not exist", lambda layout: ["analyse"]),
    Case("batch-workers-0", ExitCode.USAGE, "batch --workers 0", batch("--workers", "0")),
    Case("batch-workers-many", ExitCode.USAGE, "batch --workers 1e6", batch("--workers", "1e6")),
    Case("batch-dask-timeout-0", ExitCode.USAGE, "batch --dask-timeout 0", batch("--dask-timeout", "0")),
    Case("batch-height-and-heights", ExitCode.USAGE, "batch with --height-cm and --heights",
         batch("--height-cm", "170", "--heights", "h.csv")),
    Case("compare-one-photo", ExitCode.USAGE, "compare with one photo",
         lambda layout: ["compare", layout.first], (person("p.png"),)),
]

# --------------------------------------------------------------------------- outputs, symbolic links, earlier runs


def plant_link(name: str, *, to_folder: bool = True) -> Callable[[Layout], None]:
    """A symbolic link at ``out/name`` pointing into ``outside`` (a folder, or a file there holding a word)."""

    def setup(layout: Layout) -> None:
        target = layout.outside if to_folder else layout.outside / "kept.txt"
        if not to_folder:
            target.write_text("kept\n")
        link = layout.out / name
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(target, target_is_directory=to_folder)

    return setup


def earlier_tables(content: bytes) -> Callable[[Layout], None]:
    def setup(layout: Layout) -> None:
        layout.out.mkdir()
        (layout.out / "results.csv").write_bytes(content)

    return setup


def outside_untouched(layout: Layout, stdout: str) -> None:
    assert sorted(p.name for p in layout.outside.iterdir()) in ([], ["kept.txt"])
    if (layout.outside / "kept.txt").exists():
        assert (layout.outside / "kept.txt").read_text() == "kept\n"


def file_at(name: str) -> Callable[[Layout], None]:
    return lambda layout: (layout.root / name).write_text("a file, not a folder\n")


CASES += [
    Case("analyze-annotate-over-the-photo", ExitCode.OUTPUT, "--annotate naming the input photo itself",
         lambda layout: ["analyze", layout.first, "--fast", "--annotate", layout.first], (person("p.png"),)),
    Case("analyze-annotate-missing-folder", ExitCode.OUTPUT, "--annotate into a folder that does not exist",
         analyze("--annotate", "no/such/folder/a.png"), (person("p.png"),)),
    Case("analyze-html-is-a-folder", ExitCode.OUTPUT, "--html naming an existing folder",
         lambda layout: ["analyze", layout.first, "--fast", "--html", os.fspath(layout.root / "x.html")],
         (person("p.png"),), setup=lambda layout: (layout.root / "x.html").mkdir(), outputs=("x.html",)),
    Case("analyze-annotate-through-a-link", ExitCode.OK,
         "--annotate naming a symbolic link to a file outside: the link is replaced, the file kept",
         lambda layout: ["analyze", layout.first, "--fast", "--annotate", os.fspath(layout.out / "a.png")],
         (person("p.png"),), setup=plant_link("a.png", to_folder=False), outputs=("out",), check=outside_untouched),
    Case("batch-annotated-link", ExitCode.OUTPUT, "batch --annotate with OUTDIR/annotated a symbolic link to a folder",
         batch("--annotate"), (person("p.png"),), setup=plant_link("annotated"), outputs=("out",),
         check=outside_untouched),
    Case("batch-annotated-inner-link", ExitCode.OUTPUT,
         "batch --annotate with a folder inside OUTDIR/annotated a symbolic link",
         batch("--annotate"), (person("p.png"),), setup=plant_link("annotated/in"), outputs=("out",),
         check=outside_untouched),
    Case("batch-lock-link", ExitCode.OUTPUT, "batch with OUTDIR/.posture-batch.lock a symbolic link to a file",
         batch(), (person("p.png"),), setup=plant_link(".posture-batch.lock", to_folder=False), outputs=("out",),
         check=outside_untouched),
    Case("batch-results-link", ExitCode.OUTPUT,
         "batch with OUTDIR/results.csv a symbolic link to a file (an earlier run, without --resume)",
         batch(), (person("p.png"),), setup=plant_link("results.csv", to_folder=False), outputs=("out",),
         check=outside_untouched),
    Case("batch-summary-link", ExitCode.OK,
         "batch with OUTDIR/summary.json a symbolic link to a file: the link is replaced, the file kept",
         batch(), (written("notes.txt", b"x"),), setup=plant_link("summary.json", to_folder=False), outputs=("out",),
         check=outside_untouched),
    Case("batch-earlier-run", ExitCode.OUTPUT, "batch into a folder holding an earlier run, without --resume",
         batch(), (person("p.png"),), setup=earlier_tables(b"path\r\n"), outputs=("out",)),
    Case("batch-resume-foreign-tables", ExitCode.OUTPUT,
         "batch --resume on a folder whose results.csv is not posture's", batch("--resume"), (person("p.png"),),
         setup=earlier_tables(b"name,age\r\nanna,7\r\n"), outputs=("out",)),
    Case("batch-resume-foreign-folder", ExitCode.OK,
         "batch --resume on a folder of someone else's files (no tables): they are left as they were",
         batch("--resume"), (written("notes.txt", b"x"),),
         setup=lambda layout: (layout.out.mkdir(), (layout.out / "theirs.txt").write_text("mine\n")), outputs=("out",),
         check=lambda layout, stdout: (layout.out / "theirs.txt").read_text() == "mine\n"),
    Case("batch-out-is-a-file", ExitCode.OUTPUT, "batch -o naming a file", 
         lambda layout: ["batch", os.fspath(layout.photos), "-o", os.fspath(layout.root / "f"), "--quiet"],
         (written("notes.txt", b"x"),), setup=file_at("f")),
    Case("batch-missing-folder", ExitCode.BAD_INPUT, "batch on a folder that does not exist",
         lambda layout: ["batch", os.fspath(layout.root / "absent"), "-o", os.fspath(layout.out), "--quiet"]),
    Case("batch-folder-is-a-file", ExitCode.BAD_INPUT, "batch on a file instead of a folder",
         lambda layout: ["batch", layout.first, "-o", os.fspath(layout.out), "--quiet"], (person("p.png"),),
         outputs=("out",)),
    Case("batch-heights-missing", ExitCode.BAD_INPUT, "batch --heights naming a missing file",
         batch("--heights", "absent.csv"), (person("p.png"),), outputs=("out",)),
    Case("batch-heights-garbage", ExitCode.BAD_INPUT, "batch --heights naming a file that is not such a table",
         lambda layout: [*batch()(layout), "--heights", os.fspath(layout.root / "h.csv")], (person("p.png"),),
         setup=lambda layout: (layout.root / "h.csv").write_bytes(b"\xff\xfe\x00garbage"), outputs=("out",)),
    Case("batch-bad-files-together", ExitCode.OK, "batch over a folder of every bad file at once",
         batch(), tuple(maker for _, maker in BAD_FILES.values()), outputs=("out",),
         check=lambda layout, stdout: len(failure_kinds(layout)) == len(BAD_FILES)),
    Case("batch-not-utf8-name", ExitCode.OK, "batch over a photo whose name is not UTF-8", batch(),
         (person(os.fsdecode(b"caf\xe9.png")),), outputs=("out",),
         check=lambda layout, stdout: b"caf\\xe9.png" in (layout.out / "results.csv").read_bytes()),
    Case("compare-different-people", ExitCode.OK, "compare two different people (a warning, and the comparison)",
         lambda layout: ["compare", *map(os.fspath, layout.made)],
         (person("before.png"), sample("side-left_neck-flexion-20deg.png", "after.png")),
         check=lambda layout, stdout: "different people" in stdout),
    Case("compare-unreadable", ExitCode.BAD_INPUT, "compare with an empty second photo",
         lambda layout: ["compare", *map(os.fspath, layout.made)], (person("before.png"), written("after.png", b""))),
]

# --------------------------------------------------------------------------- standard streams, full and read-only disks

CASES += [
    Case("analyze-json-to-dev-full", ExitCode.OUTPUT, "--json into /dev/full", analyze("--json"), (person("p.png"),),
         how="process", stdout="full"),
    Case("analyze-report-to-dev-full", ExitCode.OUTPUT, "the terminal report into /dev/full", analyze(),
         (person("p.png"),), how="process", stdout="full"),
    Case("analyze-stdout-closed", ExitCode.OUTPUT, "--json with standard output closed", analyze("--json"),
         (person("p.png"),), how="process", stdout="closed"),
    Case("analyze-stderr-closed-missing", ExitCode.BAD_INPUT,
         "a missing photo with standard error closed (nothing lands on standard output)",
         lambda layout: ["analyze", os.fspath(layout.root / "absent.jpg")], how="process", stderr="closed"),
    Case("analyze-stderr-closed-good", ExitCode.OK, "a good photo with standard error closed", analyze("--json"),
         (person("p.png"),), how="process", stderr="closed", check=lambda layout, stdout: stdout.startswith("{")),
    Case("help-to-dev-full", ExitCode.OUTPUT, "--help into /dev/full", lambda layout: ["--help"], how="process",
         stdout="full"),
    Case("version-to-dev-full", ExitCode.OUTPUT, "--version into /dev/full", lambda layout: ["--version"],
         how="process", stdout="full"),
    Case("model-to-dev-full", ExitCode.OUTPUT, "posture model into /dev/full", lambda layout: ["model"],
         how="process", stdout="full"),
    Case("usage-error-stderr-closed", ExitCode.USAGE, "a usage error with standard error closed",
         lambda layout: ["analyze", "--height-cm", "x"], how="process", stderr="closed",
         check=lambda layout, stdout: stdout == ""),
    Case("analyze-annotate-full-disk", ExitCode.OUTPUT, "--annotate onto a full disk (a 4 KiB tmpfs)",
         lambda layout: ["analyze", layout.first, "--fast", "--annotate", os.fspath(layout.mnt / "a.png")],
         (person("p.png"),), how="mounted", mount="full", outputs=("mnt",)),
    Case("analyze-html-read-only", ExitCode.OUTPUT, "--html into a read-only folder",
         lambda layout: ["analyze", layout.first, "--fast", "--html", os.fspath(layout.mnt / "r.html")],
         (person("p.png"),), how="mounted", mount="read-only", outputs=("mnt",)),
    Case("batch-full-disk", ExitCode.OUTPUT, "batch -o onto a full disk (a 4 KiB tmpfs)",
         lambda layout: ["batch", os.fspath(layout.photos), "-o", os.fspath(layout.mnt / "out"), "--workers", "1",
                         "--fast", "--quiet", "--annotate"],
         (person("p.png"), person("q.png", lambda image: image.transpose(Image.Transpose.FLIP_LEFT_RIGHT))),
         how="mounted", mount="full", outputs=("mnt",)),
    Case("batch-read-only", ExitCode.OUTPUT, "batch -o into a read-only folder",
         lambda layout: ["batch", os.fspath(layout.photos), "-o", os.fspath(layout.mnt), "--workers", "1", "--quiet"],
         (person("p.png"),), how="mounted", mount="read-only", outputs=("mnt",)),
]

# --------------------------------------------------------------------------- signals mid-run

STOPS = {signal.SIGINT: ExitCode.INTERRUPTED, signal.SIGTERM: ExitCode.TERMINATED, signal.SIGHUP: ExitCode.HANGUP}
for number, code in STOPS.items():
    name = signal.Signals(number).name
    CASES.append(Case(f"analyze-{name}", code, f"{name} while the pose model is loading", analyze(),
                      (person("p.png"),), how="signal", signal_number=number, signal_when="model"))
    CASES.append(Case(f"batch-{name}", code, f"{name} after the first photo of a batch is in the tables",
                      lambda layout: ["batch", os.fspath(layout.photos), "-o", os.fspath(layout.out), "--workers",
                                      "1", "--fast", "--quiet"],
                      tuple(person(f"{i}.png", lambda image, i=i: image.rotate(i, fillcolor=(255, 255, 255)))
                            for i in range(6)),
                      how="signal", signal_number=number, signal_when="row", outputs=("out",),
                      check=lambda layout, stdout: 1 <= results_rows(layout) < 6))

# --------------------------------------------------------------------------- the pose model and the Dask scheduler

CASES += [
    Case("analyze-model-missing", ExitCode.MODEL, "--model naming a file that does not exist",
         lambda layout: ["analyze", layout.first, "--model", os.fspath(layout.root / "absent.task")],
         (person("p.png"),)),
    Case("analyze-model-text", ExitCode.MODEL, "--model naming a text file",
         lambda layout: ["analyze", layout.first, "--model", os.fspath(layout.root / "notes.task")],
         (person("p.png"),), setup=lambda layout: (layout.root / "notes.task").write_text("not a model\n")),
    Case("analyze-model-empty", ExitCode.MODEL, "--model naming an empty file",
         lambda layout: ["analyze", layout.first, "--model", os.fspath(layout.root / "empty.task")],
         (person("p.png"),), setup=lambda layout: (layout.root / "empty.task").write_bytes(b"")),
    Case("batch-model-text", ExitCode.MODEL, "batch --model naming a text file: no tables are left behind",
         lambda layout: [*batch()(layout), "--model", os.fspath(layout.root / "notes.task")], (person("p.png"),),
         setup=lambda layout: (layout.root / "notes.task").write_text("not a model\n"), outputs=("out",),
         check=lambda layout, stdout: list(layout.out.iterdir()) == []),
    Case("batch-dask-unreachable", ExitCode.SCHEDULER,
         "batch --dask at an address where no scheduler listens: no tables are left behind",
         batch("--dask", "tcp://127.0.0.1:1", "--dask-timeout", "0.5"), (person("p.png"),), outputs=("out",),
         check=lambda layout, stdout: list(layout.out.iterdir()) == []),
    Case("batch-dask-not-an-address", ExitCode.SCHEDULER, "batch --dask with something that is no address",
         batch("--dask", "not an address::", "--dask-timeout", "0.5"), (person("p.png"),), outputs=("out",),
         check=lambda layout, stdout: list(layout.out.iterdir()) == []),
]

CASES += [
    Case("batch-stderr-closed", ExitCode.OK, "batch with standard error closed: the summary still on standard output",
         lambda layout: ["batch", os.fspath(layout.photos), "-o", os.fspath(layout.out), "--workers", "1", "--fast"],
         (written("notes.txt", b"x"),), how="process", stderr="closed", outputs=("out",),
         check=lambda layout, stdout: stdout.startswith("0 photos, 0 results")),
    Case("batch-stdout-to-dev-full", ExitCode.OUTPUT, "batch's summary into /dev/full (the tables are written)",
         lambda layout: ["batch", os.fspath(layout.photos), "-o", os.fspath(layout.out), "--workers", "1", "--fast"],
         (written("notes.txt", b"x"),), how="process", stdout="full", outputs=("out",),
         check=lambda layout, stdout: failure_kinds(layout) == ["skipped"]),
]
CASES += [
    Case("batch-stdout-closed", ExitCode.OUTPUT, "batch's summary with standard output closed",
         lambda layout: ["batch", os.fspath(layout.photos), "-o", os.fspath(layout.out), "--workers", "1", "--fast"],
         (written("notes.txt", b"x"),), how="process", stdout="closed", outputs=("out",)),
    Case("compare-to-dev-full", ExitCode.OUTPUT, "compare's report into /dev/full",
         lambda layout: ["compare", *map(os.fspath, layout.made)],
         (person("before.png"), person("after.png", lambda image: image.rotate(2, fillcolor=(255, 255, 255)))),
         how="process", stdout="full"),
]

CASES += [
    *(Case(f"analyze-exif-orientation-{n}", ExitCode.OK, f"an upright JPEG with EXIF orientation {n} (not 1-8)",
           analyze(), (odd_orientation(n),)) for n in (0, 9, 65535)),
    Case("analyze-exif-garbage", ExitCode.OK, "a JPEG whose EXIF block is noise", analyze(), (garbage_exif,)),
    Case("analyze-dash-name-missing", ExitCode.BAD_INPUT, "the photo named '-' (not standard input), missing",
         lambda layout: ["analyze", "--", "-"]),
    Case("analyze-name-too-long", ExitCode.BAD_INPUT, "a photo whose name is longer than the system allows",
         lambda layout: ["analyze", os.fspath(layout.root / ("x" * 300 + ".jpg"))]),
    Case("analyze-html-to-a-pipe", ExitCode.OUTPUT, "--html naming a named pipe (it must stay a pipe)",
         lambda layout: ["analyze", layout.first, "--fast", "--html", os.fspath(layout.root / "pipe.html")],
         (person("p.png"),), setup=lambda layout: os.mkfifo(layout.root / "pipe.html"), outputs=("pipe.html",),
         check=lambda layout, stdout: stat.S_ISFIFO((layout.root / "pipe.html").lstat().st_mode)),
    Case("analyze-annotate-to-dev-null-link", ExitCode.OUTPUT, "--annotate naming a link to /dev/null",
         lambda layout: ["analyze", layout.first, "--fast", "--annotate", os.fspath(layout.root / "null.png")],
         (person("p.png"),), setup=lambda layout: (layout.root / "null.png").symlink_to(os.devnull),
         outputs=("null.png",), check=lambda layout, stdout: (layout.root / "null.png").is_symlink()),
    Case("analyze-annotate-parent-is-a-file", ExitCode.OUTPUT, "--annotate into a 'folder' that is a file",
         lambda layout: ["analyze", layout.first, "--fast", "--annotate", os.fspath(layout.root / "f" / "a.png")],
         (person("p.png"),), setup=file_at("f")),
    Case("batch-heights-out-of-range", ExitCode.BAD_INPUT, "batch --heights with a height of 1.75 (metres)",
         lambda layout: [*batch()(layout), "--heights", os.fspath(layout.root / "h.csv")], (person("p.png"),),
         setup=lambda layout: (layout.root / "h.csv").write_text("file,height_cm\np.png,1.75\n"), outputs=("out",)),
    Case("batch-link-loop-in-folder", ExitCode.OK, "batch over a folder holding a link to itself (a failure row)",
         lambda layout: [*batch()(layout), "--recursive"], (written("notes.txt", b"x"),),
         setup=lambda layout: (layout.photos / "loop").symlink_to(layout.photos, target_is_directory=True),
         outputs=("out",)),
]

# --------------------------------------------------------------------------- --pdf without Chromium to print it

NO_CHROMIUM = (("POSTURE_CHROMIUM", lambda layout: os.fspath(layout.root / "no-chromium")),)

CASES += [
    Case("analyze-pdf-without-chromium", ExitCode.OUTPUT,
         "--pdf with POSTURE_CHROMIUM naming no program: the HTML report is written all the same",
         lambda layout: ["analyze", layout.first, "--fast", "--html", os.fspath(layout.root / "r.html"), "--pdf",
                         os.fspath(layout.root / "r.pdf")],
         (person("p.png"),), outputs=("r.html",), environment=NO_CHROMIUM,
         check=lambda layout, stdout: (layout.root / "r.html").is_file() and "foot" in stdout),
    Case("compare-pdf-without-chromium", ExitCode.OUTPUT,
         "compare --pdf with POSTURE_CHROMIUM naming no program: the HTML report is written all the same",
         lambda layout: ["compare", *map(os.fspath, layout.made), "-o", os.fspath(layout.root / "c.html"), "--pdf",
                         os.fspath(layout.root / "c.pdf")],
         (person("before.png"), person("after.png", lambda image: image.rotate(2, fillcolor=(255, 255, 255)))),
         outputs=("c.html",), environment=NO_CHROMIUM,
         check=lambda layout, stdout: (layout.root / "c.html").is_file() and "Sessions:" in stdout),
]
