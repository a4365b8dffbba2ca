#!/usr/bin/python3
"""Peer checker: runs ONNX's own model checker (Debian python3-onnx) on a file, as the second independent reader of
Pare's exports. usage: /usr/bin/python3 onnx_check.py MODEL.onnx [--full]
Exit 0 and prints one JSON line {"model": .., "ok": true} when the checker accepts the file; exit 1 with the
checker's message otherwise. --full also runs ONNX shape inference in strict mode."""
import json
import os
import sys

import onnx


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    path = args[0]
    try:
        # a path (not a loaded proto) lets the checker follow external data and models over 2 GB
        onnx.checker.check_model(path, full_check="--full" in argv)
    except Exception as e:  # the checker raises ValidationError, protobuf DecodeError, OSError ...
        print(json.dumps({"model": os.path.basename(path), "ok": False, "error": str(e).strip()}))
        return 1
    print(json.dumps({"model": os.path.basename(path), "ok": True}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
