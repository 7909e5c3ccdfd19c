"""stackplan from Python: ctypes over libstackplan's JSON ABI (sp_request), no compiled extension.

Each function is a command; its keyword arguments are the command's flags with underscores for
dashes (micro_batch=2 is --micro-batch 2, flash_attention=True is --flash-attention and False
--no-flash-attention, a list is joined by commas), and it returns the dict that
`stackplan COMMAND --format json` prints (format="text", "md" or "html": that text, a str).

    >>> import stackplan
    >>> m = stackplan.memory(model="llama-3.1-8b", gpu="rtx-4090-24gb", method="qlora", recompute="full")
    >>> m["fits"], m["memory"]["device_bytes"] < 24e9
    (True, True)

A report whose request no plan meets (the CLI's exit status 3) comes back like any other; its
fields say why. Where exit status 3 comes with no report (serve's model that no replica holds),
StackplanError is raised with the reason, as for bad input. Calls are serialised: the library runs one command at a time per process.

Bad input raises StackplanError with the file, line, column and field the CLI would name.
The library is found at $STACKPLAN_LIBRARY, else as libstackplan.so.0 on the loader's path
(an install: cmake --install, or make install PREFIX=...).
"""
import ctypes
import ctypes.util
import json
import os
import threading

__all__ = ["StackplanError", "request", "plan", "train", "finetune", "serve", "memory", "data", "breakeven",
           "catalog"]

SP_ERR_FILE_MAX, SP_ERR_FIELD_MAX, SP_ERR_MESSAGE_MAX = 256, 64, 320  # include/stackplan.h


class StackplanError(Exception):
    """What stackplan refused, and where: file, line and column (1-based, 0 when the problem has
    no place) and the field or flag it is about."""

    def __init__(self, message, file="", line=0, column=0, field=""):
        super().__init__(message)
        self.message, self.file, self.line, self.column, self.field = message, file, line, column, field

    def __str__(self):
        place = f"{self.file}:{self.line}:{self.column}: " if self.file else ""
        return f"{place}{self.field + ': ' if self.field else ''}{self.message}"


class _Error(ctypes.Structure):  # sp_error
    _fields_ = [("status", ctypes.c_int), ("file", ctypes.c_char * SP_ERR_FILE_MAX), ("line", ctypes.c_uint),
                ("col", ctypes.c_uint), ("field", ctypes.c_char * SP_ERR_FIELD_MAX),
                ("message", ctypes.c_char * SP_ERR_MESSAGE_MAX)]


_lib = None
# sp_request redirects the command's output through process-wide state (not thread-safe, as
# include/stackplan.h says); ctypes releases the GIL, so the binding takes this lock instead.
_lock = threading.Lock()


def _library():
    global _lib
    if _lib is None:
        path = os.environ.get("STACKPLAN_LIBRARY") or ctypes.util.find_library("stackplan") or "libstackplan.so.0"
        try:
            lib = ctypes.CDLL(path)
        except OSError as e:
            raise StackplanError(f"cannot load {path} ({e}): set STACKPLAN_LIBRARY to the built "
                                 "libstackplan.so.0, or install it where the loader looks (ldconfig)") from e
        lib.sp_request.argtypes = [ctypes.c_char_p, ctypes.POINTER(_Error)]
        lib.sp_request.restype = ctypes.c_void_p
        lib.sp_free.argtypes = [ctypes.c_void_p]
        lib.sp_free.restype = None
        _lib = lib
    return _lib


def request(command, **flags):
    """Runs one command with its flags; returns the parsed JSON report (a dict, or a list for
    catalog listings)."""
    lib = _library()
    err = _Error()
    text = json.dumps({"command": command, **flags}).encode()
    with _lock:
        answer = lib.sp_request(text, ctypes.byref(err))
    if not answer:
        raise StackplanError(err.message.decode(errors="replace"), err.file.decode(errors="replace"), err.line,
                             err.col, err.field.decode(errors="replace"))
    try:
        report = ctypes.string_at(answer).decode()
    finally:
        lib.sp_free(answer)
    return json.loads(report) if flags.get("format", "json") == "json" and not flags.get("help") else report


def plan(file, **flags):
    """Every profile of a YAML file: axis, memory, GPUs, tier, cost and launch (stackplan plan)."""
    return request("plan", file=os.fspath(file), **flags)


def train(**flags):
    """The fastest training layout: time, MFU, cost (stackplan train)."""
    return request("train", **flags)


def finetune(**flags):
    """Full, LoRA, QLoRA or DoRA: what fits, how long, what it costs (stackplan finetune)."""
    return request("finetune", **flags)


def serve(**flags):
    """A serving fleet for a request rate and latency targets (stackplan serve)."""
    return request("serve", **flags)


def memory(**flags):
    """Memory per accelerator for training, inference or a fine-tune (stackplan memory)."""
    return request("memory", **flags)


def data(**flags):
    """A data job on CPU nodes: Spark, Ray Data or Dask (stackplan data)."""
    return request("data", **flags)


def breakeven(**flags):
    """Hours at which self-managed beats managed (stackplan breakeven)."""
    return request("breakeven", **flags)


def catalog(what="models", **flags):
    """The accelerator, model or instance catalog (stackplan catalog)."""
    return request("catalog", what=what, **flags)
