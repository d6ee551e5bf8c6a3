#!/usr/bin/python3
# Interop helper for dkim_interop_test: signs and verifies with python3-dkim (dkimpy), taking keys
# from a file instead of DNS. Test-only.
#   dkim_interop.py verify MESSAGE RECORDS     -> one line per DKIM-Signature: "pass" or "fail"
#   dkim_interop.py sign MESSAGE SELECTOR DOMAIN KEYFILE ALGORITHM HCANON/BCANON [length]
#                                                -> the DKIM-Signature header line(s)
# RECORDS holds lines "NAME TXT-VALUE" (NAME like "s._domainkey.example.com").
import sys

import dkim


def main():
    cmd = sys.argv[1]
    msg = open(sys.argv[2], "rb").read()
    if cmd == "verify":
        records = {}
        for line in open(sys.argv[3], "rb").read().splitlines():
            if line.strip():
                name, value = line.split(b" ", 1)
                records[name.rstrip(b".").lower()] = value

        def dnsfunc(name, timeout=5):
            return records.get(name.rstrip(b".").lower())

        d = dkim.DKIM(msg)
        count = sum(1 for h in d.headers if h[0].lower() == b"dkim-signature")
        for i in range(count):
            try:
                ok = d.verify(idx=i, dnsfunc=dnsfunc)
            except dkim.DKIMException:
                ok = False
            print("pass" if ok else "fail")
        return 0
    if cmd == "sign":
        selector, domain, keyfile, alg, canon = sys.argv[3:8]
        length = len(sys.argv) > 8 and sys.argv[8] == "length"
        key = open(keyfile, "rb").read()
        h, b = canon.split("/")
        sig = dkim.sign(msg, selector.encode(), domain.encode(), key, canonicalize=(h.encode(), b.encode()),
                        signature_algorithm=alg.encode(), length=length,
                        include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
        sys.stdout.buffer.write(sig)
        return 0
    return 2


sys.exit(main())
