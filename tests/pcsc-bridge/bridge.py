#!/usr/bin/python3
"""pcsc-lite for Node tests: one JSON object per line on stdin (a request), one per line on stdout
(its answer, same "id"), each request one winscard call through python3-pyscard.

Why pyscard: Debian ships and maintains it (python3-pyscard), it is a thin SWIG layer whose
functions are pcsc-lite's SCard* calls one for one (SCardGetStatusChange with the event count in
the high word, SCardControl, SCardCancel, transactions), and nothing has to be compiled: the Node
PC/SC addons (pcsclite, @pokusew/pcsclite) need node-gyp and pcsc-lite headers, and hide
SCardGetStatusChange / SCardControl behind their own event model.

Requests run on worker threads so that a blocking SCardGetStatusChange or a PIN pad SCardControl
does not hold up the others (SCardCancel in particular). SCardCancel only wakes a
SCardGetStatusChange that already waits inside pcscd; one still on its way there (queued on a worker,
or entering winscard on a loaded machine) would miss it and wait forever (an infinite timeout), so
"cancel" repeats until every getStatusChange of that context read before it has answered. Answers carry pcsc-lite's RESPONSECODE as
an unsigned number; bytes go as hex. Nothing is logged: APDUs may carry a PIN typed on the screen.

  {"id": 1, "op": "establish"}                      -> {"id": 1, "code": 0, "context": 123}
  {"id": 2, "op": "connect", "context": 123, "reader": "...", "share": 1, "protocols": 3}
                                                    -> {"id": 2, "code": 0, "handle": 456, "protocol": 2}
"""
import json
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from smartcard import scard

OUT = threading.Lock()
# getStatusChange request ids per context, from the moment their line is read until they answer.
WAITING = {}
WAITING_LOCK = threading.Condition()
CANCEL_REPEAT_S = 0.02
CANCEL_GIVE_UP_S = 10


def u32(code):
    return code & 0xFFFFFFFF


def unhex(text):
    return list(bytes.fromhex(text))


def hexed(data):
    return bytes(data or []).hex()


def establish(_):
    code, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    return {"code": u32(code), "context": context}


def release(r):
    return {"code": u32(scard.SCardReleaseContext(r["context"]))}


def list_readers(r):
    code, readers = scard.SCardListReaders(r["context"], [])
    return {"code": u32(code), "readers": list(readers or [])}


def status_change(r):
    states = [(s["reader"], s["currentState"]) for s in r["states"]]
    code, out = scard.SCardGetStatusChange(r["context"], r["timeout"], states)
    return {
        "code": u32(code),
        "states": [{"reader": s[0], "eventState": u32(s[1]), "atr": hexed(s[2])} for s in (out or [])],
    }


def cancel(r):
    context, before = r["context"], set(r["waiting"])
    code = scard.SCardCancel(context)
    deadline = time.monotonic() + CANCEL_GIVE_UP_S
    with WAITING_LOCK:
        while before & WAITING.get(context, set()) and time.monotonic() < deadline:
            WAITING_LOCK.wait(CANCEL_REPEAT_S)
            if before & WAITING.get(context, set()):
                code = scard.SCardCancel(context)
    return {"code": u32(code)}


def connect(r):
    code, handle, protocol = scard.SCardConnect(r["context"], r["reader"], r["share"], r["protocols"])
    return {"code": u32(code), "handle": handle, "protocol": protocol}


def disconnect(r):
    return {"code": u32(scard.SCardDisconnect(r["handle"], r["disposition"]))}


def transmit(r):
    code, data = scard.SCardTransmit(r["handle"], r["protocol"], unhex(r["data"]))
    return {"code": u32(code), "data": hexed(data)}


def control(r):
    code, data = scard.SCardControl(r["handle"], r["controlCode"], unhex(r["data"]))
    return {"code": u32(code), "data": hexed(data)}


def status(r):
    code, reader, state, protocol, atr = scard.SCardStatus(r["handle"])
    return {"code": u32(code), "reader": reader or "", "state": u32(state or 0), "protocol": protocol or 0, "atr": hexed(atr)}


def get_attrib(r):
    code, data = scard.SCardGetAttrib(r["handle"], r["tag"])
    return {"code": u32(code), "data": hexed(data)}


def set_attrib(r):
    return {"code": u32(scard.SCardSetAttrib(r["handle"], r["tag"], unhex(r["data"])))}


def begin(r):
    return {"code": u32(scard.SCardBeginTransaction(r["handle"]))}


def end(r):
    return {"code": u32(scard.SCardEndTransaction(r["handle"], r["disposition"]))}


OPS = {
    "establish": establish,
    "release": release,
    "listReaders": list_readers,
    "getStatusChange": status_change,
    "cancel": cancel,
    "connect": connect,
    "disconnect": disconnect,
    "transmit": transmit,
    "control": control,
    "status": status,
    "getAttrib": get_attrib,
    "setAttrib": set_attrib,
    "beginTransaction": begin,
    "endTransaction": end,
}


def answer(request):
    started = time.perf_counter()
    try:
        reply = OPS[request["op"]](request)
    except Exception as error:  # the op name only: arguments may hold a PIN
        reply = {"error": f"{request.get('op')}: {type(error).__name__}"}
    reply["id"] = request.get("id")
    if request["op"] == "getStatusChange":
        with WAITING_LOCK:
            WAITING[request["context"]].discard(request["id"])
            WAITING_LOCK.notify_all()
    # How long pcsc-lite took (the peer table compares drivers without this bridge's own costs).
    reply["ms"] = round((time.perf_counter() - started) * 1000, 3)
    with OUT:
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


def main():
    with ThreadPoolExecutor(max_workers=32) as pool:
        for line in sys.stdin:
            if not line.strip():
                continue
            request = json.loads(line)
            # In reading order: a cancel knows every wait sent before it, started or not.
            with WAITING_LOCK:
                if request["op"] == "getStatusChange":
                    WAITING.setdefault(request["context"], set()).add(request["id"])
                elif request["op"] == "cancel":
                    request["waiting"] = sorted(WAITING.get(request["context"], set()))
            pool.submit(answer, request)


if __name__ == "__main__":
    main()
