from posture.cli.main import run

run()
