"""The ``symact`` command: one subcommand per job, each delegating to the module that does it."""
from __future__ import annotations

import argparse
import importlib
import sys

# subcommand -> (module, function taking the remaining argv and returning an exit code, help)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "names": ("symact.cli", "cli_names", "list the activations (glob filter optional)"),
    "show": ("symact.report", "cli_show", "formula, derivative and properties of NAME (or an expression)"),
    "table": ("symact.report", "cli_table", "the property table of the whole catalogue"),
    "verify": ("symact.verify", "cli_verify", "judge a claimed derivative; --identities runs the library"),
    "accuracy": ("symact.cli", "cli_accuracy", "max ULP error of every kernel against mpmath"),
    "build": ("symact.cli", "cli_build", "build the reference site"),
    "serve": ("symact.cli", "cli_serve", "preview the site locally (mkdocs serve)"),
    "bench": ("symact.bench", "cli_bench", "benchmark the kernels side by side"),
    "export": ("symact.export", "cli_export", "C99 source for f and f'"),
    "kernels": ("symact.kernel_table", "cli_kernels", "check (or --write) the prebuilt kernel table"),
    "float32": ("symact.float32", "cli_float32", "where float32 input is computed in float32 (--exhaustive)"),
    "frameworks": ("symact.frameworks", "cli_frameworks", "PyTorch/JAX/Keras activations: coverage, agreement"),
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print("usage: symact COMMAND [ARGS]   (symact COMMAND --help for each)\n\ncommands:")
        for name, (_, _, text) in COMMANDS.items():
            print(f"  {name:9s} {text}")
        return 0 if argv else 2
    cmd, rest = argv[0], argv[1:]
    if cmd not in COMMANDS:
        from .errors import close_matches

        hint = close_matches(cmd, list(COMMANDS))
        print(f"symact: unknown command {cmd!r}" + (f"; did you mean {', '.join(hint)}?" if hint else ""),
              file=sys.stderr)
        return 2
    module, func, _ = COMMANDS[cmd]
    try:
        fn = getattr(importlib.import_module(module), func)
    except (ImportError, AttributeError) as exc:
        print(f"symact {cmd}: not available ({exc})", file=sys.stderr)
        return 2
    return int(fn(rest) or 0)


def cli_names(args: list[str]) -> int:
    from . import registry

    p = argparse.ArgumentParser(prog="symact names")
    p.add_argument("filter", nargs="?", help="glob over names and aliases, e.g. 'gelu*'")
    p.add_argument("--kind", choices=("elementwise", "vector", "gated"), help="one kind only")
    ns = p.parse_args(args)
    names = registry.names(ns.filter, kind=ns.kind)
    for n in names:
        d = registry.definition(n)
        alias = f" (aliases: {', '.join(d.aliases)})" if d.aliases else ""
        kind = f" [{d.kind}]" if d.kind != "elementwise" else ""
        print(f"{n}{kind}{alias}")
    kinds = [registry.definition(n).kind for n in names]
    print(f"{len(names)} activations: " + ", ".join(f"{kinds.count(k)} {k}" for k in dict.fromkeys(sorted(kinds))),
          file=sys.stderr)
    return 0


def cli_accuracy(args: list[str]) -> int:
    import numpy as np

    from . import registry
    from .accuracy import measure
    from .activation import get

    p = argparse.ArgumentParser(prog="symact accuracy")
    p.add_argument("names", nargs="*")
    ns = p.parse_args(args)
    names = ns.names or registry.names(kind="elementwise")
    print(f"{'kernel':20s} {'dtype':8s} {'max ULP':>10s} {'at x':>12s} {'goal met':>9s}")
    bad = 0
    for n in names:
        for which in ("f", "grad"):
            for dt in (np.float64, np.float32):
                m = measure(get(n), which, dt)
                bad += not m.ok
                label = n if which == "f" else f"{n}'"
                print(f"{label:20s} {dt.__name__:8s} {m.max_ulp:10.3g} {m.worst_x:12.4g} {'yes' if m.ok else 'NO':>9s}",
                      flush=True)
    return 1 if bad else 0


def cli_build(args: list[str]) -> int:
    from pathlib import Path

    p = argparse.ArgumentParser(prog="symact build")
    p.add_argument("--out", type=Path, default=None, help="output directory (default: build/site)")
    p.add_argument("--extra", type=Path, action="append", default=[], help="a Python file defining more activations")
    ns = p.parse_args(args)
    from .sitegen.build import build

    where = build(ns.out, extra=ns.extra)
    print(f"site built: {where}/index.html")
    return 0


def cli_serve(args: list[str]) -> int:
    from .sitegen.build import serve

    serve()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
