"""`jupyter privacy he serve|parameters`: the encrypted-scoring service and its CKKS parameters."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from jupyter_privacy.cli.output import positive_int_arg, print_json


def register(sub: Any) -> None:
    he = sub.add_parser("he", help="encrypted scoring with homomorphic encryption (TenSEAL CKKS)")
    verbs = he.add_subparsers(dest="verb", metavar="VERB", required=True)

    serve = verbs.add_parser(
        "serve", help="score encrypted rows over HTTP (public contexts and ciphertexts only)"
    )
    serve.add_argument("--model", required=True, metavar="JSON",
                       help="the exported model (EncryptedModel.save)")  # fmt: skip
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8765, help="port (0: a free one)")
    serve.add_argument(
        "--token-file", metavar="FILE",
        help="file holding the access token (default: $JUPYTER_PRIVACY_HE_TOKEN; else a new "
        "token is made and printed once)",
    )  # fmt: skip
    serve.add_argument("--max-body-bytes", type=positive_int_arg, default=None,
                       help="largest request body accepted (default 64 MiB)")  # fmt: skip
    serve.add_argument("--max-contexts", type=positive_int_arg, default=None,
                       help="public contexts kept in memory (default 8, least recent dropped)")  # fmt: skip
    serve.add_argument("--allow-remote", action="store_true",
                       help="bind a non-loopback address (only behind a TLS proxy)")  # fmt: skip
    serve.add_argument("--ready-file", metavar="FILE",
                       help="write {url, port, pid} here once listening")  # fmt: skip
    serve.add_argument("--exit-with-parent", action="store_true",
                       help="stop when the process that started the service exits")  # fmt: skip
    serve.set_defaults(handler=_serve)

    params = verbs.add_parser(
        "parameters", help="the CKKS parameters for a model depth at a security level"
    )
    params.add_argument("--depth", type=positive_int_arg, required=True,
                        help="multiplicative depth (1 for a linear model)")  # fmt: skip
    params.add_argument("--security", type=int, default=128, choices=(128, 192, 256),
                        help="security bits (HomomorphicEncryption.org standard)")  # fmt: skip
    params.add_argument("--scale-bits", type=positive_int_arg, default=40)
    params.add_argument("--min-slots", type=positive_int_arg, default=1,
                        help="values one ciphertext must hold (row packing: the widest layer)")  # fmt: skip
    params.add_argument("--json", action="store_true", help="print JSON for scripts")
    params.set_defaults(handler=_parameters)


def _serve(args: argparse.Namespace) -> int:
    import secrets
    import sys

    from jupyter_privacy.core.errors import InvalidParameterError
    from jupyter_privacy.encrypted_server import TOKEN_ENV
    from jupyter_privacy.encrypted_server.serve import serve

    if args.token_file:
        try:
            token = Path(args.token_file).read_text(encoding="utf-8").strip()
        except OSError as error:
            raise InvalidParameterError(f"cannot read --token-file: {error.strerror}") from None
    else:
        token = os.environ.get(TOKEN_ENV, "")
    if not token:
        token = secrets.token_urlsafe(32)
        print(f"access token (send as 'Authorization: token …'): {token}", file=sys.stderr)
    options = {k: v for k, v in (("max_body_bytes", args.max_body_bytes),
                                 ("max_contexts", args.max_contexts)) if v is not None}  # fmt: skip
    serve(args.model, token=token, host=args.host, port=args.port, allow_remote=args.allow_remote,
          ready_file=args.ready_file, exit_with_parent=args.exit_with_parent,
          **options)  # fmt: skip
    return 0


def _parameters(args: argparse.Namespace) -> int:
    from jupyter_privacy.core.encrypted import choose_parameters

    chosen = choose_parameters(args.depth, min_slots=args.min_slots, security_bits=args.security,
                               scale_bits=args.scale_bits)  # fmt: skip
    if args.json:
        print_json(chosen.to_dict())
    else:
        print(chosen.describe())
    return 0
