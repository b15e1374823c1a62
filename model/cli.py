"""``msim``: the command line, one module per command in :mod:`model.commands`.

Every command validates all of its input before it runs or writes anything; a problem the user
can fix prints one clear paragraph and exits with status 2, never a traceback. Nothing imports
this module or the commands: they are the leaves of the package.
"""

from __future__ import annotations

import argparse
import os
import sys

from model.commands import batch, check_clinical, run, schema, validate
from model.commands.options import USAGE_ERROR
from model.drugs import DrugRegistryError
from model.outputs import OutputError, why
from model.scenario import ScenarioError

COMMANDS = (run, validate, schema, batch, check_clinical)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="msim",
        description="Agent-based simulation of MS relapses and alemtuzumab.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except (ScenarioError, OutputError, DrugRegistryError) as err:
        print(f"msim {args.command}: {err}", file=sys.stderr)
        return USAGE_ERROR
    except BrokenPipeError:  # the reader stopped early (`msim schema | head`): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as err:  # a file the command had to read or write
        print(f"msim {args.command}: cannot go on: {why(err)}", file=sys.stderr)
        return USAGE_ERROR
    except MemoryError:
        print(
            f"msim {args.command}: this machine ran out of memory; nothing was written. Use a "
            "smaller grid (grid.width, grid.height), a shorter run (run.days) or fewer antibody "
            "particles (antibody.particles_per_mg)",
            file=sys.stderr,
        )
        return USAGE_ERROR
    except KeyboardInterrupt:
        print("interrupted; nothing was written", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
