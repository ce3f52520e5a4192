"""The command's entry point: `migration-reviewer` and `python -m migration_reviewer`."""

import gc


def main() -> int:
    # Loading the package builds tens of thousands of objects that live as long as the process; the cyclic
    # collector would walk them over and over while they load (a tenth of the start-up). Load first, then
    # set them aside for good: later collections only look at what the review itself makes.
    gc.disable()
    try:
        from migration_reviewer.cli import main as review
    finally:
        gc.freeze()
        gc.enable()
    try:
        return review()
    finally:
        # The interpreter's last collection at exit would walk every object still alive (the modules the
        # review loaded later, while its server started, among them): set them aside too.
        gc.freeze()


if __name__ == "__main__":
    raise SystemExit(main())
