"""``posture serve``: the practitioner's desk in the browser (docs/serve.md).

``store`` keeps the records in SQLite, ``photos`` the photo files, ``records``
backups and exports; ``worker`` analyses one photo in a worker process and
``queue`` runs the workers; ``security`` guards the pages, ``pages`` builds
what they show, and ``app`` is the FastAPI application.
"""
