"""``posture serve``: the practitioner's desk in the browser, and its backups.

Only argparse and the standard library at module level: ``import posture.cli``
must stay light (FastAPI, uvicorn and the analysis stack are imported inside
:func:`run_serve`).
"""

from __future__ import annotations

import argparse
import os
import socket
from pathlib import Path
from typing import Any

from posture.cli.args import positive_int_argument
from posture.cli.output import notify
from posture.core.paths import path_text

DEFAULT_PORT = 8765


def default_data() -> Path:
    """Where the desk keeps its records: ``$XDG_DATA_HOME/posture``, else ``~/.local/share/posture``."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "posture"


SERVE_DESCRIPTION = """\
Open the practitioner's desk in the browser: clients with their capture
protocol, sessions with photos uploaded from this computer or a phone,
each photo analysed in the background, trends across sessions, comparisons
of two sessions with the verdicts of `posture compare`, and printable
reports. Everything stays on this computer: the records are one SQLite file
and a folder of photos under --data.

It listens on 127.0.0.1 only, unless --lan: then phones on the same network
may connect with the access token printed here (and shown as a QR code).
"""

SERVE_EXAMPLES = """\
examples:
  posture serve
  posture serve --lan --no-browser
  posture serve --backup desk-2026-03-01.tar
  posture serve --data ./restored --restore desk-2026-03-01.tar

exit codes: 0 stopped; 2 the port cannot be listened on; 3 no records to back up, or a backup to restore
  is not readable or would mix with clients already there; 7 a backup could not be written
"""


def register(commands: Any) -> None:
    """Add the ``serve`` subcommand to the ``posture`` parser's subcommands."""
    serve = commands.add_parser(
        "serve", help="the practitioner's desk in the browser: clients, sessions, trends, reports",
        description=SERVE_DESCRIPTION, epilog=SERVE_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    serve.add_argument("--data", type=Path, default=None, metavar="DIR",
                       help="the folder of the records and photos (default: $XDG_DATA_HOME/posture, else "
                       f"~/.local/share/posture; here {path_text(default_data())})")
    serve.add_argument("--port", type=positive_int_argument, default=DEFAULT_PORT, metavar="N",
                       help=f"the port to listen on (default {DEFAULT_PORT})")
    serve.add_argument("--no-browser", dest="browser", action="store_false",
                       help="do not open the desk in the browser")
    serve.add_argument("--lan", action="store_true",
                       help="listen on the local network (0.0.0.0) too; other machines need the access token "
                       "printed at start")
    serve.add_argument("--workers", type=positive_int_argument, default=None, metavar="N",
                       help="photos analysed at once, each in its own process (default: one per two CPU cores)")
    serve.add_argument("--model", type=Path, metavar="PATH", help="a MediaPipe pose_landmarker .task bundle")
    data_commands = serve.add_mutually_exclusive_group()
    data_commands.add_argument("--backup", type=Path, metavar="FILE",
                               help="write the records and photos to one archive FILE, then exit (safe while a "
                               "desk runs)")
    data_commands.add_argument("--restore", type=Path, metavar="FILE",
                               help="put a backup's records and photos into --data (which must hold no client "
                               "yet), then exit")
    serve.set_defaults(run=run_serve)


def lan_address() -> str:
    """This machine's address on the local network, as other machines see it (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
            return str(probe.getsockname()[0])
        except OSError:
            return "127.0.0.1"


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def run_serve(args: argparse.Namespace) -> int:
    from posture.errors import ExitCode
    from posture.limits import usable_cpus
    from posture.serve import records

    data: Path = args.data or default_data()
    if args.backup is not None:
        count = records.backup(data, args.backup)
        notify(f"posture: backed up the records and {count} photos of {path_text(data)} to "
               f"{path_text(args.backup)}.")
        return ExitCode.OK
    if args.restore is not None:
        count = records.restore(args.restore, data)
        notify(f"posture: restored the records and {count} photos into {path_text(data)}.")
        return ExitCode.OK
    return _serve(args, data, workers=args.workers or max(1, usable_cpus() // 2))


def _serve(args: argparse.Namespace, data: Path, *, workers: int) -> int:
    import threading
    import webbrowser

    import uvicorn

    from posture.errors import ExitCode, UsageError
    from posture.serve.app import Settings, create_app
    from posture.serve.security import Secrets

    host = "0.0.0.0" if args.lan else "127.0.0.1"
    if args.port > 65535 or not _port_free(host, args.port):
        raise UsageError(f"port {args.port} cannot be listened on (in use, or not a port); give another with --port.")
    keys = Secrets(lan=args.lan)
    local = f"http://127.0.0.1:{args.port}/"
    lan_url = f"http://{lan_address()}:{args.port}/?token={keys.access_token}" if args.lan else None
    settings = Settings(data=data, lan=args.lan, workers=workers, lan_url=lan_url,
                        model=None if args.model is None else str(args.model))
    app = create_app(settings, keys=keys)
    notify(f"posture desk: {local} (records in {path_text(data)}; Ctrl-C stops it)")
    if lan_url is not None:
        import segno

        notify(f"posture desk on the network: {lan_url}")
        segno.make(lan_url, error="m").terminal(compact=True)
    if args.browser:
        threading.Timer(1.0, webbrowser.open, (local,)).start()
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=args.port, log_level="warning"))
    server.run()
    return ExitCode.OK
