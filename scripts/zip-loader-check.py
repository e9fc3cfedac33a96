#!/usr/bin/env python3
# Issue 17, docs/reliability.md case 25: what torch's zip reader (miniz, through torch.load) and Python's zipfile do with
# the zip techniques, on a harmless checkpoint only (weights_only=True). Needs torch (Debian: python3-torch).
# Usage: /usr/bin/python3 scripts/zip-loader-check.py A_TORCH_SAVE_ZIP   (e.g. state_dict.pt from real-torch-samples.py)
import sys, struct, zlib, zipfile, io, warnings, torch
warnings.filterwarnings("ignore")
src = zipfile.ZipFile(sys.argv[1])
members = [(i.filename, src.read(i)) for i in src.infolist()]

def build(mutate):
    out = io.BytesIO(); central = []
    for name, data in members:
        e = dict(name=name, local_name=name, data=data, method=0, local_method=0, flags=0, crc=zlib.crc32(data), extra=b"")
        mutate(e)
        if e["method"] == 8:
            c = zlib.compressobj(9, zlib.DEFLATED, -15); body = c.compress(e["data"]) + c.flush()
        else:
            body = e["data"]
        off = out.tell()
        ln = e["local_name"].encode()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034b50, 20, e["flags"], e["local_method"] if e["local_method"] is not None else e["method"], 0, 0, e["crc"], len(body), len(e["data"]), len(ln), len(e["extra"])) + ln + e["extra"] + body)
        cn = e["name"].encode()
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014b50, 20, 20, e["flags"], e["method"], 0, 0, e["crc"], len(body), len(e["data"]), len(cn), 0, 0, 0, 0, 0, off) + cn)
    cd = out.tell(); out.write(b"".join(central))
    out.write(struct.pack("<IHHHHIIH", 0x06054b50, 0, 0, len(central), len(central), out.tell() - cd, cd, 0))
    return out.getvalue()

def pkl(e): return e["name"].endswith("data.pkl")
cases = {
    "as written": lambda e: None,
    "bad CRC on data.pkl": lambda e: e.update(crc=1) if pkl(e) else None,
    "bad CRC, deflated": lambda e: e.update(crc=1, method=8, local_method=8) if pkl(e) else None,
    "DATA.PKL in capitals": lambda e: e.update(name=e["name"].replace("data.pkl", "DATA.PKL"), local_name=e["name"].replace("data.pkl", "DATA.PKL")) if pkl(e) else None,
    "encrypted flag": lambda e: e.update(flags=1) if pkl(e) else None,
    "flags 0x808": lambda e: e.update(flags=0x808) if pkl(e) else None,
    "local header names another file": lambda e: e.update(local_name="archive/notes.txt") if pkl(e) else None,
    "local extra field (a decoy)": lambda e: e.update(extra=struct.pack("<HH", 0xcafe, 8) + b"decoy!!!") if pkl(e) else None,
    "local method says deflate": lambda e: e.update(local_method=8) if pkl(e) else None,
    "LZMA method (14)": lambda e: e.update(method=14, local_method=14) if pkl(e) else None,
}
for label, mutate in cases.items():
    data = build(mutate)
    try:
        torch.load(io.BytesIO(data), weights_only=True); t = "torch loads"
    except Exception as ex:
        t = "torch refuses: " + str(ex).splitlines()[-1][-90:]
    try:
        z = zipfile.ZipFile(io.BytesIO(data)); n = [i for i in z.namelist() if i.lower().endswith("data.pkl")][0]; z.read(n); p = "zipfile reads"
    except Exception as ex:
        p = "zipfile refuses: " + str(ex)[:70]
    print(f"{label:36} | {t:60} | {p}")
