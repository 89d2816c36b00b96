#!/usr/bin/env python3
"""The PC/SC API of the machine's pcsc-lite, one call per JSON line (tests only).

Why pyscard: Debian ships and maintains python3-pyscard (2.0.5 in bookworm); its smartcard.scard
module is a thin wrapper of libpcsclite's C API (SCardEstablishContext, SCardTransmit, SCardControl,
...), so no native Node addon has to be built for the guest.

Protocol (stdin → stdout, UTF-8, one JSON object per line):
  request  {"id": 7, "call": "SCardTransmit", "args": {"card": 1, "protocol": 2, "data": "00A40400"}}
  answer   {"id": 7, "rc": 0, "result": {"data": "9000"}, "ms": 12.4}
Byte strings are hex. Handles (contexts, cards) are small integers. Each request runs on its own
thread, so a blocking SCardGetStatusChange can be cancelled (SCardCancel) by a later request, as
pcsc-lite allows; answers come back as the calls end.
"""
import json
import sys
import threading
import time

from smartcard import scard

_write_lock = threading.Lock()
_handles = {}
_next_handle = [0]


def _keep(value):
    with _write_lock:
        _next_handle[0] += 1
        _handles[_next_handle[0]] = value
        return _next_handle[0]


def _get(handle):
    return _handles[int(handle)]


def _hex(values):
    return bytes(values).hex().upper()


def _bytes(text):
    return list(bytes.fromhex(text or ""))


def establish_context(args):
    rc, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    return rc, {"context": _keep(context) if rc == scard.SCARD_S_SUCCESS else None}


def release_context(args):
    return scard.SCardReleaseContext(_get(args["context"])), {}


def list_readers(args):
    rc, readers = scard.SCardListReaders(_get(args["context"]), [])
    return rc, {"readers": list(readers) if rc == scard.SCARD_S_SUCCESS else []}


def get_status_change(args):
    states = [(s["reader"], int(s["currentState"])) for s in args["states"]]
    rc, new_states = scard.SCardGetStatusChange(_get(args["context"]), int(args["timeoutMs"]), states)
    out = []
    if rc == scard.SCARD_S_SUCCESS:
        for reader, event_state, atr in new_states:
            out.append({"reader": reader, "eventState": int(event_state), "atr": _hex(atr)})
    return rc, {"states": out}


def cancel(args):
    return scard.SCardCancel(_get(args["context"])), {}


def connect(args):
    rc, card, protocol = scard.SCardConnect(
        _get(args["context"]), args["reader"], int(args["shareMode"]), int(args["preferredProtocols"])
    )
    ok = rc == scard.SCARD_S_SUCCESS
    return rc, {"card": _keep(card) if ok else None, "protocol": int(protocol) if ok else 0}


def reconnect(args):
    rc, protocol = scard.SCardReconnect(
        _get(args["card"]), int(args["shareMode"]), int(args["preferredProtocols"]), int(args["initialization"])
    )
    return rc, {"protocol": int(protocol)}


def disconnect(args):
    return scard.SCardDisconnect(_get(args["card"]), int(args["disposition"])), {}


def status(args):
    rc, reader, state, protocol, atr = scard.SCardStatus(_get(args["card"]))
    return rc, {"reader": reader, "state": int(state), "protocol": int(protocol), "atr": _hex(atr)}


def transmit(args):
    pci = scard.SCARD_PCI_T1 if int(args["protocol"]) == scard.SCARD_PROTOCOL_T1 else scard.SCARD_PCI_T0
    rc, response = scard.SCardTransmit(_get(args["card"]), pci, _bytes(args["data"]))
    return rc, {"data": _hex(response) if rc == scard.SCARD_S_SUCCESS else ""}


def control(args):
    rc, response = scard.SCardControl(_get(args["card"]), int(args["code"]), _bytes(args["data"]))
    return rc, {"data": _hex(response) if rc == scard.SCARD_S_SUCCESS else ""}


def get_attrib(args):
    rc, value = scard.SCardGetAttrib(_get(args["card"]), int(args["attribute"]))
    return rc, {"data": _hex(value) if rc == scard.SCARD_S_SUCCESS else ""}


def begin_transaction(args):
    return scard.SCardBeginTransaction(_get(args["card"])), {}


def end_transaction(args):
    return scard.SCardEndTransaction(_get(args["card"]), int(args["disposition"])), {}


CALLS = {
    "SCardEstablishContext": establish_context,
    "SCardReleaseContext": release_context,
    "SCardListReaders": list_readers,
    "SCardGetStatusChange": get_status_change,
    "SCardCancel": cancel,
    "SCardConnect": connect,
    "SCardReconnect": reconnect,
    "SCardDisconnect": disconnect,
    "SCardStatus": status,
    "SCardTransmit": transmit,
    "SCardControl": control,
    "SCardGetAttrib": get_attrib,
    "SCardBeginTransaction": begin_transaction,
    "SCardEndTransaction": end_transaction,
}


def answer(request):
    started = time.perf_counter()
    try:
        rc, result = CALLS[request["call"]](request.get("args", {}))
        reply = {"id": request["id"], "rc": rc & 0xFFFFFFFF, "result": result}
    except Exception as error:  # a bad request, not a PC/SC error: report it to the caller
        reply = {"id": request.get("id"), "error": f"{type(error).__name__}: {error}"}
    reply["ms"] = round((time.perf_counter() - started) * 1000, 3)
    with _write_lock:
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


def main():
    sys.stdout.write(json.dumps({"ready": True}) + "\n")
    sys.stdout.flush()
    for line in sys.stdin:
        if line.strip():
            threading.Thread(target=answer, args=(json.loads(line),), daemon=True).start()


if __name__ == "__main__":
    main()
