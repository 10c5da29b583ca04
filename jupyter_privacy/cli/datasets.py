"""`jupyter privacy datasets register|list|show|mock`: a data owner offers a dataset for requests;
scientists list datasets and read their public mock.

    jupyter privacy datasets register cps --private data/cps.csv --budget cps \\
        --bounds wage=0:2500 --keys region=north,south --mock synthetic
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from jupyter_privacy.cli.output import add_common, open_from_args, positive_int_arg
from jupyter_privacy.cli.query import _bounds, _impute, _pairs
from jupyter_privacy.cli.requests import emit


def register(sub: Any) -> None:
    datasets = sub.add_parser("datasets", help="datasets offered for remote data science requests")
    verbs = datasets.add_subparsers(dest="verb", metavar="VERB", required=True)

    reg = verbs.add_parser("register", help="offer private CSV/Parquet data with a public mock")
    reg.add_argument("name")
    reg.add_argument("--private", required=True, metavar="FILE",
                     help="the private .csv/.parquet file (or quoted glob); its path stays on "
                     "this machine")  # fmt: skip
    reg.add_argument("--budget", required=True, help="the budget every release is paid from")
    reg.add_argument("--mock", default="synthetic", metavar="synthetic|FILE",
                     help="the public mock: 'synthetic' (from bounds and keys only; default) "
                     "or a synthetic .csv/.parquet file you made")  # fmt: skip
    reg.add_argument("--mock-rows", type=positive_int_arg, default=200,
                     help="rows of a synthetic mock")  # fmt: skip
    reg.add_argument("--seed", type=int, default=None, help="seed of a synthetic mock")
    reg.add_argument("--bounds", action="append", default=[], metavar="COL=LO:HI")
    reg.add_argument("--keys", action="append", default=[], metavar="COL=A,B,C")
    reg.add_argument("--impute", action="append", default=[], metavar="COL=VALUE")
    reg.add_argument("--max-rows", type=positive_int_arg, default=None)
    reg.add_argument("--max-groups", type=positive_int_arg, default=None)
    reg.add_argument("--max-contributions", type=positive_int_arg, default=None)
    reg.add_argument("--public-rows", type=positive_int_arg, default=None,
                     help="the row count, if you declare it public (DP-SGD previews need it)")  # fmt: skip
    reg.add_argument("--description", default="")
    reg.add_argument("--high-risk", action="store_true",
                     help="mark the dataset high-risk: its budget becomes a high-risk lane (owners only)")  # fmt: skip
    reg.add_argument("--store", metavar="DIR",
                     help="the owner's private store (default: requests/ beside the ledger)")  # fmt: skip
    add_common(reg)
    reg.set_defaults(handler=_register)

    listing = verbs.add_parser("list", help="every registered dataset")
    add_common(listing)
    listing.set_defaults(handler=_list)

    show = verbs.add_parser("show", help="one dataset's public description")
    show.add_argument("name")
    add_common(show)
    show.set_defaults(handler=_show)

    mock = verbs.add_parser("mock", help="print or save a dataset's public mock")
    mock.add_argument("name")
    mock.add_argument("--out", metavar="FILE", help="write a .csv or .parquet file instead")
    mock.add_argument("--head", type=positive_int_arg, default=10, help="rows to print")
    add_common(mock, json_flag=False)
    mock.set_defaults(handler=_mock)


def _register(args: argparse.Namespace) -> int:
    from jupyter_privacy.core.requests.datasets import register_dataset

    keys = {c: v.split(",") for c, v in _pairs(args.keys, "--keys").items()}
    with open_from_args(args) as ledger:
        dataset = register_dataset(
            ledger, args.name, private=args.private, budget=args.budget, mock=args.mock,
            mock_rows=args.mock_rows, seed=args.seed, description=args.description,
            public_rows=args.public_rows, high_risk=args.high_risk, store=args.store,
            bounds=_bounds(args.bounds), keys=keys, impute=_impute(args.impute),
            max_rows=args.max_rows, max_groups=args.max_groups,
            max_contributions=args.max_contributions,
        )  # fmt: skip
    emit(args, dataset.to_dict(),
         f"registered dataset '{dataset.name}' (ledger entry {dataset.event_id}); its "
         f"{dataset.mock_rows}-row mock is public to every ledger reader, the private data "
         "stay on this machine")  # fmt: skip
    return 0


def _list(args: argparse.Namespace) -> int:
    from jupyter_privacy.core.requests.datasets import list_datasets
    from jupyter_privacy.core.requests.tables import datasets_table

    with open_from_args(args, read_only=True) as ledger:
        found = list_datasets(ledger)
    emit(args, [d.to_dict() for d in found], datasets_table(found))
    return 0


def _show(args: argparse.Namespace) -> int:
    from jupyter_privacy.core.requests.datasets import get_dataset

    with open_from_args(args, read_only=True) as ledger:
        dataset = get_dataset(ledger, args.name)
    emit(args, dataset.to_dict(), dataset.describe())
    return 0


def _mock(args: argparse.Namespace) -> int:
    from jupyter_privacy.core.requests.datasets import get_dataset

    with open_from_args(args, read_only=True) as ledger:
        frame = get_dataset(ledger, args.name).mock()
    if args.out:
        path = Path(args.out)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix in (".parquet", ".pq"):
            frame.write_parquet(path)
        else:
            frame.write_csv(path)
        print(f"wrote the {frame.height}-row mock of '{args.name}' to {path}")
    else:
        print(frame.head(args.head).to_pandas().to_string(index=False))
    return 0
